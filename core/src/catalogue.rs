//! The catalogue of key industrial products under quality-safety traceability (重点工业产品追溯目录).
//!
//! The catalogue says which products need tracing and how: code granularity (one code per item, per
//! batch or per reel), aggregation (an e-bike's code aggregates its battery's and charger's), the
//! certificate to check on receipt, the data elements a receipt and a sale must record, the deadline for
//! registering them, and the rules that recognise a marketplace listing as one of its categories
//! (Seller Operation Guide §5.2, "明确需追溯产品").
//!
//! It is data, not code: [`Catalogue::builtin`] parses `core/catalogue.toml`, compiled into the binary,
//! and an operator adds or replaces categories and deadline overrides with a file of the same format
//! ([`Catalogue::builtin_with_extension`]) without recompiling. Every file is validated on load, and
//! errors name the category and the field at fault.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize};

/// The built-in catalogue file, compiled into the binary.
const BUILTIN_TOML: &str = include_str!("../catalogue.toml");

/// Retention used when a file does not say (E-Commerce Law art. 31: at least 3 years).
const DEFAULT_RETENTION_YEARS: u32 = 3;
/// The shortest retention a catalogue may configure.
const MIN_RETENTION_YEARS: u32 = 3;
/// Registration deadline used when neither a category nor the file says [assumed].
const DEFAULT_DEADLINE_HOURS: u32 = 72;
/// Classification threshold used when the file does not say.
const DEFAULT_MATCH_THRESHOLD: f32 = 0.5;
/// How many runner-up categories a [`Classification`] lists.
const MAX_ALTERNATIVES: usize = 5;
/// The highest stage: 1 by end 2024, 2 by end 2025, 3 by end 2027.
const MAX_STAGE: u8 = 3;

// ------------------------------------------------------------------------------------------------
// Category ids
// ------------------------------------------------------------------------------------------------

/// The stable identifier of a catalogue category, such as `ebike` or `ccc_household_appliance`.
///
/// A slug of 1 to 64 characters: lowercase ASCII letters, digits and `_`, starting with a letter. It is
/// stored with every trace record, so it never changes once published.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CategoryId(String);

impl CategoryId {
    /// The longest id accepted.
    pub const MAX_LEN: usize = 64;

    /// Parses a category id, saying what is wrong with it if it is not a valid slug.
    pub fn parse(value: &str) -> Result<Self, CategoryIdError> {
        check_slug(value, Self::MAX_LEN)?;
        Ok(Self(value.to_owned()))
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for CategoryId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for CategoryId {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl FromStr for CategoryId {
    type Err = CategoryIdError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl TryFrom<String> for CategoryId {
    type Error = CategoryIdError;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        check_slug(&value, Self::MAX_LEN)?;
        Ok(Self(value))
    }
}

impl From<CategoryId> for String {
    fn from(id: CategoryId) -> Self {
        id.0
    }
}

/// Why a text is not a valid [`CategoryId`] (or aggregation part name).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CategoryIdError {
    /// The text is empty.
    #[error("an id must not be empty")]
    Empty,
    /// The text is longer than allowed.
    #[error("an id has at most {max} characters, got {len}")]
    TooLong {
        /// Characters in the text.
        len: usize,
        /// The most allowed.
        max: usize,
    },
    /// The first character is not a lowercase ASCII letter.
    #[error("an id starts with a lowercase ASCII letter, not `{0}`")]
    BadStart(char),
    /// A character other than a lowercase ASCII letter, a digit or `_`.
    #[error(
        "an id has only lowercase ASCII letters, digits and `_`; `{ch}` at position {position} is not allowed"
    )]
    BadChar {
        /// The offending character.
        ch: char,
        /// Its position, counting characters from 1.
        position: usize,
    },
}

impl CategoryIdError {
    /// The message in Chinese, for sellers and operators.
    pub fn message_zh(&self) -> String {
        match self {
            Self::Empty => "标识不能为空".to_owned(),
            Self::TooLong { len, max } => format!("标识最多 {max} 个字符，实际为 {len} 个"),
            Self::BadStart(c) => format!("标识须以小写英文字母开头，不能以“{c}”开头"),
            Self::BadChar { ch, position } => {
                format!("标识只能包含小写英文字母、数字和下划线，第 {position} 个字符“{ch}”不允许")
            }
        }
    }
}

fn check_slug(value: &str, max: usize) -> Result<(), CategoryIdError> {
    let len = value.chars().count();
    if len == 0 {
        return Err(CategoryIdError::Empty);
    }
    if len > max {
        return Err(CategoryIdError::TooLong { len, max });
    }
    for (i, ch) in value.chars().enumerate() {
        if i == 0 && !ch.is_ascii_lowercase() {
            return Err(CategoryIdError::BadStart(ch));
        }
        if !(ch.is_ascii_lowercase() || ch.is_ascii_digit() || ch == '_') {
            return Err(CategoryIdError::BadChar {
                ch,
                position: i + 1,
            });
        }
    }
    Ok(())
}

// ------------------------------------------------------------------------------------------------
// Data elements
// ------------------------------------------------------------------------------------------------

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

fn parse_element(s: &str) -> Option<DataElement> {
    DataElement::ALL.into_iter().find(|e| e.as_str() == s)
}

// ------------------------------------------------------------------------------------------------
// Granularity, units, aggregation, certificates
// ------------------------------------------------------------------------------------------------

/// What one trace code identifies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Granularity {
    /// One code per item (一物一码), e.g. each e-bike.
    Unit,
    /// One code per production batch (一批一码), e.g. steel bars.
    Batch,
    /// One code per reel, sold by length (一盘一码), e.g. wires and cables.
    Length,
}

impl Granularity {
    /// The granularity's name in catalogue files (`unit`, `batch`, `length`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Unit => "unit",
            Self::Batch => "batch",
            Self::Length => "length",
        }
    }

    /// The granularity's name in Chinese.
    pub fn name_zh(self) -> &'static str {
        match self {
            Self::Unit => "一物一码",
            Self::Batch => "一批一码",
            Self::Length => "一盘一码",
        }
    }

    /// The granularity's name in English.
    pub fn name_en(self) -> &'static str {
        match self {
            Self::Unit => "one code per item",
            Self::Batch => "one code per batch",
            Self::Length => "one code per reel",
        }
    }

    /// Whether goods coded at this granularity can be counted in `unit`: items are counted in pieces,
    /// sets or pairs, reels in metres or kilometres, batches in anything.
    pub fn allows(self, unit: UnitOfMeasure) -> bool {
        match self {
            Self::Unit => unit.is_count(),
            Self::Length => unit.is_length(),
            Self::Batch => true,
        }
    }

    /// The data element that holds this granularity's code on receipt: `serial` for items and reels,
    /// `batch` for batches.
    pub fn code_element(self) -> DataElement {
        match self {
            Self::Unit | Self::Length => DataElement::Serial,
            Self::Batch => DataElement::Batch,
        }
    }
}

/// The unit a category's quantities are counted in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum UnitOfMeasure {
    /// Pieces (件).
    Pcs,
    /// Sets (套).
    Set,
    /// Pairs (双).
    Pair,
    /// Metres (米).
    M,
    /// Kilometres (千米).
    Km,
    /// Square metres (平方米).
    M2,
    /// Cubic metres (立方米).
    M3,
    /// Kilograms (千克).
    Kg,
    /// Tonnes (吨).
    T,
    /// Litres (升).
    L,
}

impl UnitOfMeasure {
    /// The unit's name in catalogue files (`pcs`, `m`, `t`...).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pcs => "pcs",
            Self::Set => "set",
            Self::Pair => "pair",
            Self::M => "m",
            Self::Km => "km",
            Self::M2 => "m2",
            Self::M3 => "m3",
            Self::Kg => "kg",
            Self::T => "t",
            Self::L => "l",
        }
    }

    /// The UN/ECE Recommendation 20 code, as EPCIS quantity elements use (`H87` pieces, `MTR` metres,
    /// `TNE` tonnes...).
    pub fn un_ece_code(self) -> &'static str {
        match self {
            Self::Pcs => "H87",
            Self::Set => "SET",
            Self::Pair => "PR",
            Self::M => "MTR",
            Self::Km => "KMT",
            Self::M2 => "MTK",
            Self::M3 => "MTQ",
            Self::Kg => "KGM",
            Self::T => "TNE",
            Self::L => "LTR",
        }
    }

    /// The unit's name in Chinese.
    pub fn name_zh(self) -> &'static str {
        match self {
            Self::Pcs => "件",
            Self::Set => "套",
            Self::Pair => "双",
            Self::M => "米",
            Self::Km => "千米",
            Self::M2 => "平方米",
            Self::M3 => "立方米",
            Self::Kg => "千克",
            Self::T => "吨",
            Self::L => "升",
        }
    }

    /// The unit's symbol in English.
    pub fn name_en(self) -> &'static str {
        match self {
            Self::Pcs => "pcs",
            Self::Set => "set",
            Self::Pair => "pair",
            Self::M => "m",
            Self::Km => "km",
            Self::M2 => "m²",
            Self::M3 => "m³",
            Self::Kg => "kg",
            Self::T => "t",
            Self::L => "L",
        }
    }

    /// Whether the unit counts items.
    pub fn is_count(self) -> bool {
        matches!(self, Self::Pcs | Self::Set | Self::Pair)
    }

    /// Whether the unit measures length.
    pub fn is_length(self) -> bool {
        matches!(self, Self::M | Self::Km)
    }
}

/// How the codes of a product's parts aggregate: the parent part's code stands for the children's
/// (an e-bike's vehicle code aggregates its battery's and charger's codes, 一车一池一充一码). Trace
/// events record this as an EPCIS AggregationEvent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Aggregation {
    /// The part whose code aggregates the others, e.g. `vehicle`.
    pub parent: String,
    /// The parts each carrying their own code, e.g. `battery` and `charger`.
    pub children: Vec<String>,
}

/// The kind of certificate a seller checks on receipt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CertificateKind {
    /// A China Compulsory Certification certificate (强制性产品认证证书, CCC).
    Ccc,
    /// An industrial product production licence (工业产品生产许可证).
    ProductionLicence,
    /// No certificate: the product is checked against mandatory standards by its inspection report.
    #[serde(rename = "none")]
    NoCertificate,
}

impl CertificateKind {
    /// The kind's name in catalogue files (`ccc`, `production_licence`, `none`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ccc => "ccc",
            Self::ProductionLicence => "production_licence",
            Self::NoCertificate => "none",
        }
    }

    /// The certificate's name in Chinese.
    pub fn name_zh(self) -> &'static str {
        match self {
            Self::Ccc => "强制性产品认证（CCC）证书",
            Self::ProductionLicence => "工业产品生产许可证",
            Self::NoCertificate => "无证书要求",
        }
    }

    /// The certificate's name in English.
    pub fn name_en(self) -> &'static str {
        match self {
            Self::Ccc => "CCC certificate",
            Self::ProductionLicence => "production licence",
            Self::NoCertificate => "no certificate",
        }
    }

    /// A loose format check of a certificate number, to catch typing errors before the number is looked
    /// up: a CCC number is 16 digits [assumed format]; a production licence number contains
    /// `XKnn-nnn-nnnnn` (a province mark may precede it). With no certificate every text passes. This
    /// is no proof of validity: the number's check result comes from the certification platform.
    pub fn plausible_number(self, number: &str) -> bool {
        let number = number.trim();
        match self {
            Self::Ccc => number.len() == 16 && number.bytes().all(|b| b.is_ascii_digit()),
            Self::ProductionLicence => {
                let upper = number.to_ascii_uppercase();
                upper
                    .match_indices("XK")
                    .any(|(i, _)| licence_tail(&upper[i + 2..]))
            }
            Self::NoCertificate => true,
        }
    }
}

/// Whether `s` starts with `nn-nnn-nnnnn`.
fn licence_tail(s: &str) -> bool {
    let b = s.as_bytes();
    let shape = b"00-000-00000";
    b.len() >= shape.len()
        && shape.iter().zip(b).all(|(want, got)| {
            if *want == b'-' {
                *got == b'-'
            } else {
                got.is_ascii_digit()
            }
        })
}

/// The certificate a category's products carry, and how its number looks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Certificate {
    /// Which certificate.
    pub kind: CertificateKind,
    /// A hint on the number's format, shown next to the input field.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub number_hint: Option<String>,
}

// ------------------------------------------------------------------------------------------------
// Match rules
// ------------------------------------------------------------------------------------------------

/// A keyword and how strongly it points to its category.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Keyword {
    /// The keyword, matched case-insensitively.
    pub term: String,
    /// Its weight, in (0, 1].
    #[serde(deserialize_with = "de_number")]
    pub weight: f32,
}

/// A marketplace category or product-type name (Shopify `product_type`, a WooCommerce category, a
/// Youzan or Douyin category) and how strongly it points to its category.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MarketplaceCategory {
    /// The name, compared case-insensitively with a listing's product type, category, or one segment
    /// of a category path (`运动户外 > 骑行 > 电动自行车`).
    pub name: String,
    /// Its weight, in (0, 1].
    #[serde(deserialize_with = "de_number")]
    pub weight: f32,
}

/// A GS1 company prefix whose products belong to the category (a known producer's prefix).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GtinPrefix {
    /// 3 to 12 digits, compared with the GTIN-13 form of a listing's barcodes.
    pub prefix: String,
    /// Its weight, in (0, 1].
    #[serde(deserialize_with = "de_number")]
    pub weight: f32,
}

/// The rules that recognise a listing as belonging to a category.
///
/// Chinese keywords match as substrings, English keywords as whole words (with an optional plural `s`
/// or `es`), both case-insensitively after full-width characters are folded. A keyword match that lies
/// inside a longer keyword match (of any category) does not count, so `电动车头盔` is a helmet and not
/// an `电动车`. A negative keyword in the title, product type or categories vetoes the category.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MatchRules {
    /// Chinese keywords (substring match).
    #[serde(default)]
    pub keywords_zh: Vec<Keyword>,
    /// English keywords (whole-word match).
    #[serde(default)]
    pub keywords_en: Vec<Keyword>,
    /// Chinese keywords that veto the category (substring match).
    #[serde(default)]
    pub negative_keywords_zh: Vec<String>,
    /// English keywords that veto the category (whole-word match).
    #[serde(default)]
    pub negative_keywords_en: Vec<String>,
    /// Marketplace category and product-type names.
    #[serde(default)]
    pub marketplace_categories: Vec<MarketplaceCategory>,
    /// GS1 company prefixes.
    #[serde(default)]
    pub gtin_prefixes: Vec<GtinPrefix>,
}

impl MatchRules {
    /// Whether there is no positive rule, so the category is never chosen by classification (a group
    /// matched through its more specific categories).
    pub fn is_empty(&self) -> bool {
        self.keywords_zh.is_empty()
            && self.keywords_en.is_empty()
            && self.marketplace_categories.is_empty()
            && self.gtin_prefixes.is_empty()
    }
}

// ------------------------------------------------------------------------------------------------
// Categories and deadline overrides
// ------------------------------------------------------------------------------------------------

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

// ------------------------------------------------------------------------------------------------
// Errors
// ------------------------------------------------------------------------------------------------

/// What is wrong with one field of a catalogue file.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Problem {
    /// A required field is absent.
    #[error("is required")]
    Missing,
    /// A text or list is empty.
    #[error("must not be empty")]
    Empty,
    /// An id or part name is not a valid slug.
    #[error("`{value}` is not valid: {reason}")]
    InvalidId {
        /// The text given.
        value: String,
        /// Why it is not valid.
        reason: CategoryIdError,
    },
    /// Two categories of one file share an id.
    #[error("the id is defined more than once in the same file")]
    DuplicateId,
    /// A reference to a category that does not exist.
    #[error("refers to unknown category `{id}`")]
    UnknownCategory {
        /// The id referred to.
        id: String,
    },
    /// Following parents leads back to the category.
    #[error("the chain of parents loops back to the category")]
    ParentCycle,
    /// Not a data element.
    #[error("`{value}` is not a known data element")]
    UnknownElement {
        /// The text given.
        value: String,
    },
    /// A sale element in a receipt list, or the other way round.
    #[error("`{element}` is not recorded on {expected}")]
    WrongPhase {
        /// The element.
        element: DataElement,
        /// `receipt` or `sale`.
        expected: &'static str,
    },
    /// An element listed twice.
    #[error("`{element}` is listed more than once")]
    DuplicateElement {
        /// The element.
        element: DataElement,
    },
    /// An element that the category's other settings require is missing.
    #[error("must include `{element}` because {reason}")]
    ElementRequired {
        /// The element.
        element: DataElement,
        /// Which setting requires it.
        reason: &'static str,
    },
    /// A count or duration of zero.
    #[error("must be greater than zero")]
    Zero,
    /// A number outside its range.
    #[error("{value} is out of range: {expected}")]
    OutOfRange {
        /// The number given.
        value: String,
        /// The range allowed.
        expected: &'static str,
    },
    /// A jurisdiction that is not a 2-, 4- or 6-digit division code prefix.
    #[error("`{value}` is not a jurisdiction: use a division code prefix of 2, 4 or 6 digits")]
    BadJurisdiction {
        /// The text given.
        value: String,
    },
    /// Two deadline overrides for the same jurisdiction and category in one file.
    #[error("the same jurisdiction and category appear in more than one override")]
    DuplicateOverride,
    /// A unit that does not suit the granularity.
    #[error("unit `{}` does not suit granularity `{}`", unit.as_str(), granularity.as_str())]
    UnitMismatch {
        /// The granularity.
        granularity: Granularity,
        /// The unit.
        unit: UnitOfMeasure,
    },
    /// An aggregation that cannot be used.
    #[error("{reason}")]
    BadAggregation {
        /// Why.
        reason: &'static str,
    },
    /// A GTIN prefix that is not 3 to 12 digits.
    #[error("`{value}` is not a GS1 prefix of 3 to 12 digits")]
    BadGtinPrefix {
        /// The text given.
        value: String,
    },
}

impl Problem {
    /// The problem in Chinese.
    pub fn message_zh(&self) -> String {
        match self {
            Self::Missing => "必须填写".to_owned(),
            Self::Empty => "不能为空".to_owned(),
            Self::InvalidId { value, reason } => format!("“{value}”无效：{}", reason.message_zh()),
            Self::DuplicateId => "同一文件中该标识重复定义".to_owned(),
            Self::UnknownCategory { id } => format!("引用了不存在的类别“{id}”"),
            Self::ParentCycle => "上级类别链条回到了本类别（循环引用）".to_owned(),
            Self::UnknownElement { value } => format!("“{value}”不是已知的数据项"),
            Self::WrongPhase { element, expected } => {
                let phase = if *expected == "receipt" {
                    "进货"
                } else {
                    "销售"
                };
                format!(
                    "“{}”（{element}）不是{phase}环节记录的数据项",
                    element.name_zh()
                )
            }
            Self::DuplicateElement { element } => {
                format!("“{}”（{element}）重复列出", element.name_zh())
            }
            Self::ElementRequired { element, reason } => {
                let why = match *reason {
                    REASON_CERTIFICATE => "该类别需要查验证书",
                    REASON_UNIT_CODE => "该类别按单品或按盘赋码",
                    REASON_BATCH_CODE => "该类别按批次赋码",
                    _ => reason,
                };
                format!("必须包含“{}”（{element}），因为{why}", element.name_zh())
            }
            Self::Zero => "必须大于零".to_owned(),
            Self::OutOfRange { value, expected } => format!("{value} 超出范围（{expected}）"),
            Self::BadJurisdiction { value } => {
                format!("“{value}”不是有效的辖区：请使用 2、4 或 6 位行政区划代码前缀")
            }
            Self::DuplicateOverride => "同一辖区和类别的时限规则重复".to_owned(),
            Self::UnitMismatch { granularity, unit } => {
                format!(
                    "计量单位“{}”与赋码方式“{}”不符",
                    unit.name_zh(),
                    granularity.name_zh()
                )
            }
            Self::BadAggregation { reason } => format!("关联关系无效：{reason}"),
            Self::BadGtinPrefix { value } => {
                format!("“{value}”不是 3 至 12 位数字的厂商识别代码前缀")
            }
        }
    }
}

const REASON_CERTIFICATE: &str = "the category requires a certificate";
const REASON_UNIT_CODE: &str = "codes identify single items or reels";
const REASON_BATCH_CODE: &str = "codes identify batches";

/// Why a catalogue could not be loaded or extended.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CatalogueError {
    /// The file could not be read.
    #[error("could not read catalogue file {}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The file is not valid TOML, or a value has the wrong type or an unknown name.
    #[error("catalogue {origin} could not be parsed: {message}")]
    Syntax {
        /// Which file: `builtin`, a path, or `string`.
        origin: String,
        /// The parser's message, with line and column.
        message: String,
    },
    /// A field of one category, or of a deadline override for one category, is wrong.
    #[error("category `{category}`, field `{field}`: {problem}")]
    Category {
        /// The category's id (or `#n`, its position in the file, when the id itself is missing).
        category: String,
        /// The field, e.g. `name_zh` or `deadline_overrides[0].jurisdiction`.
        field: String,
        /// What is wrong.
        problem: Problem,
    },
    /// A field that belongs to no category is wrong.
    #[error("catalogue field `{field}`: {problem}")]
    Setting {
        /// The field, e.g. `retention_years`.
        field: String,
        /// What is wrong.
        problem: Problem,
    },
}

impl CatalogueError {
    /// The message in Chinese, for operators.
    pub fn message_zh(&self) -> String {
        match self {
            Self::Io { path, source } => format!("无法读取目录文件 {}：{source}", path.display()),
            Self::Syntax { origin, message } => format!("目录 {origin} 无法解析：{message}"),
            Self::Category {
                category,
                field,
                problem,
            } => {
                format!("类别“{category}”的字段“{field}”：{}", problem.message_zh())
            }
            Self::Setting { field, problem } => {
                format!("目录字段“{field}”：{}", problem.message_zh())
            }
        }
    }

    /// The category the error is about, if any.
    pub fn category(&self) -> Option<&str> {
        match self {
            Self::Category { category, .. } => Some(category),
            _ => None,
        }
    }

    /// The field the error is about, if any.
    pub fn field(&self) -> Option<&str> {
        match self {
            Self::Category { field, .. } | Self::Setting { field, .. } => Some(field),
            _ => None,
        }
    }

    /// What is wrong with the field, if the error is about a field.
    pub fn problem(&self) -> Option<&Problem> {
        match self {
            Self::Category { problem, .. } | Self::Setting { problem, .. } => Some(problem),
            _ => None,
        }
    }
}

fn category_error(category: &str, field: impl Into<String>, problem: Problem) -> CatalogueError {
    CatalogueError::Category {
        category: category.to_owned(),
        field: field.into(),
        problem,
    }
}

fn setting_error(field: impl Into<String>, problem: Problem) -> CatalogueError {
    CatalogueError::Setting {
        field: field.into(),
        problem,
    }
}

// ------------------------------------------------------------------------------------------------
// The catalogue
// ------------------------------------------------------------------------------------------------

/// The validated catalogue: categories, deadline overrides and settings.
///
/// Built from the compiled-in file ([`Catalogue::builtin`]), optionally extended by an operator's file.
/// Every category's parent and every override's category exist; ids are unique.
#[derive(Debug, Clone, Serialize)]
pub struct Catalogue {
    version: String,
    retention_years: u32,
    default_deadline_hours: u32,
    match_threshold: f32,
    categories: Vec<Category>,
    deadline_overrides: Vec<DeadlineOverride>,
    #[serde(skip)]
    index: HashMap<CategoryId, usize>,
}

/// An operator's additions to a catalogue: categories to add or replace, deadline overrides, and
/// settings that replace the base's where given. Parsed from a file in the catalogue format whose
/// categories may refer to the base's (as parents or in overrides); [`Catalogue::extend`] checks those
/// references.
#[derive(Debug, Clone, Default)]
pub struct CatalogueExtension {
    /// A version label, appended to the base's as `base+extension`.
    pub version: Option<String>,
    /// Replaces the retention period.
    pub retention_years: Option<u32>,
    /// Replaces the default registration deadline.
    pub default_deadline_hours: Option<u32>,
    /// Replaces the classification threshold.
    pub match_threshold: Option<f32>,
    /// Categories to add, or to replace the base's category with the same id.
    pub categories: Vec<Category>,
    /// Deadline overrides to add, or to replace the base's override with the same jurisdiction and
    /// category.
    pub deadline_overrides: Vec<DeadlineOverride>,
}

impl CatalogueExtension {
    /// Parses and checks an extension file's text; references to categories outside it are checked
    /// when it is applied.
    pub fn from_toml_str(text: &str) -> Result<Self, CatalogueError> {
        parse_file(text, "string")
    }

    /// Reads, parses and checks an extension file.
    pub fn load_path(path: &Path) -> Result<Self, CatalogueError> {
        let text = read_file(path)?;
        parse_file(&text, &path.display().to_string())
    }
}

impl From<Catalogue> for CatalogueExtension {
    fn from(other: Catalogue) -> Self {
        Self {
            version: Some(other.version),
            retention_years: Some(other.retention_years),
            default_deadline_hours: Some(other.default_deadline_hours),
            match_threshold: Some(other.match_threshold),
            categories: other.categories,
            deadline_overrides: other.deadline_overrides,
        }
    }
}

impl Catalogue {
    /// The catalogue compiled into the binary (`core/catalogue.toml`).
    pub fn builtin() -> Result<Self, CatalogueError> {
        Self::from_named_str(BUILTIN_TOML, "builtin")
    }

    /// The built-in catalogue, extended by the operator's file at `extension` if one is given.
    pub fn builtin_with_extension(extension: Option<&Path>) -> Result<Self, CatalogueError> {
        let mut catalogue = Self::builtin()?;
        if let Some(path) = extension {
            catalogue.extend(CatalogueExtension::load_path(path)?)?;
        }
        Ok(catalogue)
    }

    /// Parses and validates a complete catalogue (it must give `version`, and every reference must
    /// resolve inside it).
    pub fn from_toml_str(text: &str) -> Result<Self, CatalogueError> {
        Self::from_named_str(text, "string")
    }

    /// Reads, parses and validates a complete catalogue file.
    pub fn load_path(path: &Path) -> Result<Self, CatalogueError> {
        let text = read_file(path)?;
        Self::from_named_str(&text, &path.display().to_string())
    }

    fn from_named_str(text: &str, origin: &str) -> Result<Self, CatalogueError> {
        let file = parse_file(text, origin)?;
        let version = file
            .version
            .ok_or_else(|| setting_error("version", Problem::Missing))?;
        let catalogue = Self {
            version,
            retention_years: file.retention_years.unwrap_or(DEFAULT_RETENTION_YEARS),
            default_deadline_hours: file
                .default_deadline_hours
                .unwrap_or(DEFAULT_DEADLINE_HOURS),
            match_threshold: file.match_threshold.unwrap_or(DEFAULT_MATCH_THRESHOLD),
            index: index_of(&file.categories),
            categories: file.categories,
            deadline_overrides: file.deadline_overrides,
        };
        catalogue.check_references()?;
        Ok(catalogue)
    }

    /// Applies an extension: its categories replace the ones with the same id or are added, its
    /// deadline overrides replace the ones for the same jurisdiction and category or are added, and its
    /// settings replace the catalogue's. A full [`Catalogue`] can be passed as well. Nothing changes if
    /// the result would not be valid.
    pub fn extend(&mut self, other: impl Into<CatalogueExtension>) -> Result<(), CatalogueError> {
        let other = other.into();
        check_extension(&other)?;
        let mut merged = self.clone();
        if let Some(version) = other.version {
            merged.version = format!("{}+{}", merged.version, version);
        }
        if let Some(years) = other.retention_years {
            merged.retention_years = years;
        }
        if let Some(hours) = other.default_deadline_hours {
            merged.default_deadline_hours = hours;
        }
        if let Some(threshold) = other.match_threshold {
            merged.match_threshold = threshold;
        }
        for category in other.categories {
            match merged.index.get(&category.id) {
                Some(&i) => merged.categories[i] = category,
                None => {
                    merged
                        .index
                        .insert(category.id.clone(), merged.categories.len());
                    merged.categories.push(category);
                }
            }
        }
        for rule in other.deadline_overrides {
            match merged
                .deadline_overrides
                .iter_mut()
                .find(|o| o.jurisdiction == rule.jurisdiction && o.category == rule.category)
            {
                Some(existing) => *existing = rule,
                None => merged.deadline_overrides.push(rule),
            }
        }
        merged.check_references()?;
        *self = merged;
        Ok(())
    }

    /// The catalogue's version label (`2025.1`, or `2025.1+ext` once extended).
    pub fn version(&self) -> &str {
        &self.version
    }

    /// How many years trace records are kept (at least 3).
    pub fn retention_years(&self) -> u32 {
        self.retention_years
    }

    /// The registration deadline when neither a category nor an override says otherwise.
    pub fn default_deadline(&self) -> chrono::Duration {
        chrono::Duration::hours(i64::from(self.default_deadline_hours))
    }

    /// The score a listing needs to be classified.
    pub fn match_threshold(&self) -> f32 {
        self.match_threshold
    }

    /// Every category, in file order (built-in first, then added ones).
    pub fn categories(&self) -> &[Category] {
        &self.categories
    }

    /// The category with this id.
    pub fn get(&self, id: &CategoryId) -> Option<&Category> {
        self.index.get(id).and_then(|&i| self.categories.get(i))
    }

    /// Every deadline override.
    pub fn deadline_overrides(&self) -> &[DeadlineOverride] {
        &self.deadline_overrides
    }

    /// The categories whose parent is `id`.
    pub fn children<'a>(&'a self, id: &'a CategoryId) -> impl Iterator<Item = &'a Category> + 'a {
        self.categories
            .iter()
            .filter(move |c| c.parent.as_ref() == Some(id))
    }

    /// The category's parents, nearest first (empty for an unknown or top-level category).
    pub fn ancestors(&self, id: &CategoryId) -> Vec<&Category> {
        let mut out: Vec<&Category> = Vec::new();
        let mut next = self.get(id).and_then(|c| c.parent.as_ref());
        while let Some(parent_id) = next {
            let Some(parent) = self.get(parent_id) else {
                break;
            };
            if out.iter().any(|c| c.id == parent.id) || parent.id == *id {
                break;
            }
            out.push(parent);
            next = parent.parent.as_ref();
        }
        out
    }

    /// Whether `id` lies under `ancestor` (directly or further down).
    pub fn is_within(&self, id: &CategoryId, ancestor: &CategoryId) -> bool {
        self.ancestors(id).iter().any(|c| c.id == *ancestor)
    }

    /// How long a seller in `division_code_prefix` (a GB/T 2260 division code or a prefix of one) has to
    /// register a receipt or sale of the category.
    ///
    /// The override with the longest jurisdiction matching the code wins; between equally long ones, an
    /// override for the category beats one for a parent, which beats one for every category. Without an
    /// override: the category's own deadline, else its nearest parent's, else the catalogue default
    /// (72 hours unless the file says otherwise). An unknown category gets the catalogue default.
    pub fn deadline_for(&self, id: &CategoryId, division_code_prefix: &str) -> chrono::Duration {
        let code = division_code_prefix.trim();
        let mut lineage: Vec<&CategoryId> = Vec::new();
        if let Some(category) = self.get(id) {
            lineage.push(&category.id);
            lineage.extend(self.ancestors(id).into_iter().map(|c| &c.id));
        }
        let mut best: Option<((usize, usize), u32)> = None;
        for rule in &self.deadline_overrides {
            if !code.starts_with(rule.jurisdiction.as_str()) {
                continue;
            }
            let specificity = match &rule.category {
                None => 0,
                Some(target) => match lineage.iter().position(|c| *c == target) {
                    Some(distance) => lineage.len() - distance,
                    None => continue,
                },
            };
            let key = (rule.jurisdiction.len(), specificity);
            if best.is_none_or(|(best_key, _)| key > best_key) {
                best = Some((key, rule.hours));
            }
        }
        let hours = best.map(|(_, hours)| hours).unwrap_or_else(|| {
            lineage
                .iter()
                .find_map(|c| self.get(c).and_then(|c| c.deadline_hours))
                .unwrap_or(self.default_deadline_hours)
        });
        chrono::Duration::hours(i64::from(hours))
    }

    /// Checks references between categories and overrides, after loading or merging.
    fn check_references(&self) -> Result<(), CatalogueError> {
        for category in &self.categories {
            let id = category.id.as_str();
            if let Some(parent) = &category.parent {
                if !self.index.contains_key(parent) {
                    return Err(category_error(
                        id,
                        "parent",
                        Problem::UnknownCategory {
                            id: parent.to_string(),
                        },
                    ));
                }
                let mut seen: HashSet<&CategoryId> = HashSet::new();
                let mut next = Some(parent);
                while let Some(current) = next {
                    if current == &category.id || !seen.insert(current) {
                        return Err(category_error(id, "parent", Problem::ParentCycle));
                    }
                    next = self.get(current).and_then(|c| c.parent.as_ref());
                }
            }
        }
        for (i, rule) in self.deadline_overrides.iter().enumerate() {
            if let Some(target) = &rule.category
                && !self.index.contains_key(target)
            {
                return Err(category_error(
                    target.as_str(),
                    format!("deadline_overrides[{i}].category"),
                    Problem::UnknownCategory {
                        id: target.to_string(),
                    },
                ));
            }
        }
        Ok(())
    }
}

fn index_of(categories: &[Category]) -> HashMap<CategoryId, usize> {
    categories
        .iter()
        .enumerate()
        .map(|(i, c)| (c.id.clone(), i))
        .collect()
}

fn read_file(path: &Path) -> Result<String, CatalogueError> {
    std::fs::read_to_string(path).map_err(|source| CatalogueError::Io {
        path: path.to_owned(),
        source,
    })
}

// ------------------------------------------------------------------------------------------------
// Parsing and local validation
// ------------------------------------------------------------------------------------------------

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    version: Option<String>,
    retention_years: Option<u32>,
    default_deadline_hours: Option<u32>,
    #[serde(default, deserialize_with = "de_opt_number")]
    match_threshold: Option<f32>,
    #[serde(default)]
    defaults: RawDefaults,
    #[serde(default)]
    categories: Vec<RawCategory>,
    #[serde(default)]
    deadline_overrides: Vec<RawOverride>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawDefaults {
    receipt_elements: Option<Vec<String>>,
    sale_elements: Option<Vec<String>>,
    sale_elements_b2b: Option<Vec<String>>,
    sale_elements_online: Option<Vec<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCategory {
    #[serde(default)]
    id: String,
    #[serde(default)]
    name_zh: String,
    #[serde(default)]
    name_en: String,
    stage: Option<u8>,
    parent: Option<String>,
    granularity: Option<Granularity>,
    unit_of_measure: Option<UnitOfMeasure>,
    aggregation: Option<Aggregation>,
    certificate: Option<Certificate>,
    receipt_elements: Option<Vec<String>>,
    sale_elements: Option<Vec<String>>,
    sale_elements_b2b: Option<Vec<String>>,
    sale_elements_online: Option<Vec<String>>,
    deadline_hours: Option<u32>,
    note: Option<String>,
    #[serde(rename = "match", default)]
    matching: MatchRules,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOverride {
    #[serde(default)]
    jurisdiction: String,
    category: Option<String>,
    hours: Option<u32>,
    note: Option<String>,
}

/// Default element lists of one file, parsed.
#[derive(Default)]
struct Defaults {
    receipt: Option<Vec<DataElement>>,
    sale: Option<Vec<DataElement>>,
    sale_b2b: Option<Vec<DataElement>>,
    sale_online: Option<Vec<DataElement>>,
}

/// Accepts a TOML float or integer as `f32`.
fn de_number<'de, D: Deserializer<'de>>(deserializer: D) -> Result<f32, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Number {
        Float(f64),
        Int(i64),
    }
    Ok(match Number::deserialize(deserializer)? {
        Number::Float(f) => f as f32,
        Number::Int(i) => i as f32,
    })
}

fn de_opt_number<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<f32>, D::Error> {
    de_number(deserializer).map(Some)
}

/// Parses a file and checks everything that does not depend on another file.
fn parse_file(text: &str, origin: &str) -> Result<CatalogueExtension, CatalogueError> {
    let raw: RawFile = toml::from_str(text).map_err(|e| CatalogueError::Syntax {
        origin: origin.to_owned(),
        message: e.to_string().trim_end().to_owned(),
    })?;
    let defaults = Defaults {
        receipt: parse_default_list(raw.defaults.receipt_elements, "defaults.receipt_elements")?,
        sale: parse_default_list(raw.defaults.sale_elements, "defaults.sale_elements")?,
        sale_b2b: parse_default_list(raw.defaults.sale_elements_b2b, "defaults.sale_elements_b2b")?,
        sale_online: parse_default_list(
            raw.defaults.sale_elements_online,
            "defaults.sale_elements_online",
        )?,
    };
    let mut categories = Vec::with_capacity(raw.categories.len());
    for (i, raw_category) in raw.categories.into_iter().enumerate() {
        categories.push(build_category(raw_category, i, &defaults)?);
    }
    let mut deadline_overrides = Vec::with_capacity(raw.deadline_overrides.len());
    for (i, raw_override) in raw.deadline_overrides.into_iter().enumerate() {
        deadline_overrides.push(build_override(raw_override, i)?);
    }
    let extension = CatalogueExtension {
        version: raw.version,
        retention_years: raw.retention_years,
        default_deadline_hours: raw.default_deadline_hours,
        match_threshold: raw.match_threshold,
        categories,
        deadline_overrides,
    };
    check_extension(&extension)?;
    Ok(extension)
}

fn parse_default_list(
    list: Option<Vec<String>>,
    field: &str,
) -> Result<Option<Vec<DataElement>>, CatalogueError> {
    list.map(|names| {
        names
            .iter()
            .map(|name| {
                parse_element(name).ok_or_else(|| {
                    setting_error(
                        field,
                        Problem::UnknownElement {
                            value: name.clone(),
                        },
                    )
                })
            })
            .collect()
    })
    .transpose()
}

fn element_list(
    id: &str,
    field: &str,
    own: Option<Vec<String>>,
    default: Option<&Vec<DataElement>>,
) -> Result<Option<Vec<DataElement>>, CatalogueError> {
    match own {
        Some(names) => names
            .iter()
            .map(|name| {
                parse_element(name).ok_or_else(|| {
                    category_error(
                        id,
                        field,
                        Problem::UnknownElement {
                            value: name.clone(),
                        },
                    )
                })
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Some),
        None => Ok(default.cloned()),
    }
}

fn build_category(
    raw: RawCategory,
    position: usize,
    defaults: &Defaults,
) -> Result<Category, CatalogueError> {
    let label = if raw.id.is_empty() {
        format!("#{}", position + 1)
    } else {
        raw.id.clone()
    };
    let id = CategoryId::parse(&raw.id).map_err(|reason| {
        let problem = match reason {
            CategoryIdError::Empty => Problem::Missing,
            reason => Problem::InvalidId {
                value: raw.id.clone(),
                reason,
            },
        };
        category_error(&label, "id", problem)
    })?;
    let parent = raw
        .parent
        .map(|p| {
            CategoryId::parse(&p).map_err(|reason| {
                category_error(
                    &label,
                    "parent",
                    Problem::InvalidId {
                        value: p.clone(),
                        reason,
                    },
                )
            })
        })
        .transpose()?;
    let missing = |field: &str| category_error(&label, field, Problem::Missing);
    let category = Category {
        id,
        name_zh: raw.name_zh,
        name_en: raw.name_en,
        stage: raw.stage.ok_or_else(|| missing("stage"))?,
        parent,
        granularity: raw.granularity.ok_or_else(|| missing("granularity"))?,
        unit_of_measure: raw
            .unit_of_measure
            .ok_or_else(|| missing("unit_of_measure"))?,
        aggregation: raw.aggregation,
        certificate: raw.certificate.ok_or_else(|| missing("certificate"))?,
        receipt_elements: element_list(
            &label,
            "receipt_elements",
            raw.receipt_elements,
            defaults.receipt.as_ref(),
        )?
        .ok_or_else(|| missing("receipt_elements"))?,
        sale_elements: element_list(
            &label,
            "sale_elements",
            raw.sale_elements,
            defaults.sale.as_ref(),
        )?
        .ok_or_else(|| missing("sale_elements"))?,
        sale_elements_b2b: element_list(
            &label,
            "sale_elements_b2b",
            raw.sale_elements_b2b,
            defaults.sale_b2b.as_ref(),
        )?
        .unwrap_or_default(),
        sale_elements_online: element_list(
            &label,
            "sale_elements_online",
            raw.sale_elements_online,
            defaults.sale_online.as_ref(),
        )?
        .unwrap_or_default(),
        deadline_hours: raw.deadline_hours,
        note: raw.note,
        matching: raw.matching,
    };
    Ok(category)
}

fn build_override(raw: RawOverride, i: usize) -> Result<DeadlineOverride, CatalogueError> {
    let field = |name: &str| format!("deadline_overrides[{i}].{name}");
    let category = raw
        .category
        .map(|c| {
            CategoryId::parse(&c).map_err(|reason| {
                category_error(
                    &c,
                    field("category"),
                    Problem::InvalidId {
                        value: c.clone(),
                        reason,
                    },
                )
            })
        })
        .transpose()?;
    let hours = match raw.hours {
        Some(hours) => hours,
        None => {
            return Err(override_error(
                category.as_ref(),
                field("hours"),
                Problem::Missing,
            ));
        }
    };
    Ok(DeadlineOverride {
        jurisdiction: raw.jurisdiction,
        category,
        hours,
        note: raw.note,
    })
}

fn override_error(
    category: Option<&CategoryId>,
    field: String,
    problem: Problem,
) -> CatalogueError {
    match category {
        Some(id) => category_error(id.as_str(), field, problem),
        None => setting_error(field, problem),
    }
}

/// Checks settings, categories and overrides of one file or extension on their own.
fn check_extension(ext: &CatalogueExtension) -> Result<(), CatalogueError> {
    if let Some(version) = &ext.version
        && version.trim().is_empty()
    {
        return Err(setting_error("version", Problem::Empty));
    }
    if let Some(years) = ext.retention_years
        && years < MIN_RETENTION_YEARS
    {
        return Err(setting_error(
            "retention_years",
            Problem::OutOfRange {
                value: years.to_string(),
                expected: "at least 3 years (E-Commerce Law art. 31)",
            },
        ));
    }
    if ext.default_deadline_hours == Some(0) {
        return Err(setting_error("default_deadline_hours", Problem::Zero));
    }
    if let Some(threshold) = ext.match_threshold
        && !(threshold > 0.0 && threshold <= 1.0)
    {
        return Err(setting_error(
            "match_threshold",
            Problem::OutOfRange {
                value: threshold.to_string(),
                expected: "greater than 0 and at most 1",
            },
        ));
    }
    let mut ids: HashSet<&CategoryId> = HashSet::new();
    for category in &ext.categories {
        if !ids.insert(&category.id) {
            return Err(category_error(
                category.id.as_str(),
                "id",
                Problem::DuplicateId,
            ));
        }
        check_category(category)?;
    }
    let mut seen: HashSet<(&str, Option<&CategoryId>)> = HashSet::new();
    for (i, rule) in ext.deadline_overrides.iter().enumerate() {
        let field = |name: &str| format!("deadline_overrides[{i}].{name}");
        let jurisdiction = rule.jurisdiction.as_str();
        if !matches!(jurisdiction.len(), 2 | 4 | 6)
            || !jurisdiction.bytes().all(|b| b.is_ascii_digit())
        {
            return Err(override_error(
                rule.category.as_ref(),
                field("jurisdiction"),
                Problem::BadJurisdiction {
                    value: rule.jurisdiction.clone(),
                },
            ));
        }
        if rule.hours == 0 {
            return Err(override_error(
                rule.category.as_ref(),
                field("hours"),
                Problem::Zero,
            ));
        }
        if !seen.insert((jurisdiction, rule.category.as_ref())) {
            return Err(override_error(
                rule.category.as_ref(),
                field("jurisdiction"),
                Problem::DuplicateOverride,
            ));
        }
    }
    Ok(())
}

/// Checks one category on its own (references to other categories are checked by the catalogue).
fn check_category(c: &Category) -> Result<(), CatalogueError> {
    let id = c.id.as_str();
    let fail = |field: &str, problem: Problem| Err(category_error(id, field, problem));
    if c.name_zh.trim().is_empty() {
        return fail("name_zh", Problem::Empty);
    }
    if c.name_en.trim().is_empty() {
        return fail("name_en", Problem::Empty);
    }
    if !(1..=MAX_STAGE).contains(&c.stage) {
        return fail(
            "stage",
            Problem::OutOfRange {
                value: c.stage.to_string(),
                expected: "1, 2 or 3",
            },
        );
    }
    if c.parent.as_ref() == Some(&c.id) {
        return fail("parent", Problem::ParentCycle);
    }
    if !c.granularity.allows(c.unit_of_measure) {
        return fail(
            "unit_of_measure",
            Problem::UnitMismatch {
                granularity: c.granularity,
                unit: c.unit_of_measure,
            },
        );
    }
    if let Some(aggregation) = &c.aggregation {
        check_aggregation(id, c.granularity, aggregation)?;
    }
    let lists: [(&str, &[DataElement], bool); 4] = [
        ("receipt_elements", &c.receipt_elements, true),
        ("sale_elements", &c.sale_elements, false),
        ("sale_elements_b2b", &c.sale_elements_b2b, false),
        ("sale_elements_online", &c.sale_elements_online, false),
    ];
    for (field, list, receipt) in lists {
        let mut seen: HashSet<DataElement> = HashSet::new();
        for &element in list {
            let allowed = if receipt {
                element.phase().allows_receipt()
            } else {
                element.phase().allows_sale()
            };
            if !allowed {
                let expected = if receipt { "receipt" } else { "sale" };
                return fail(field, Problem::WrongPhase { element, expected });
            }
            if !seen.insert(element) {
                return fail(field, Problem::DuplicateElement { element });
            }
        }
    }
    if c.receipt_elements.is_empty() {
        return fail("receipt_elements", Problem::Empty);
    }
    if c.sale_elements.is_empty() {
        return fail("sale_elements", Problem::Empty);
    }
    if c.certificate.kind != CertificateKind::NoCertificate
        && !c.receipt_elements.contains(&DataElement::CertificateNumber)
    {
        return fail(
            "receipt_elements",
            Problem::ElementRequired {
                element: DataElement::CertificateNumber,
                reason: REASON_CERTIFICATE,
            },
        );
    }
    let code_element = c.granularity.code_element();
    if !c.receipt_elements.contains(&code_element) {
        let reason = if code_element == DataElement::Batch {
            REASON_BATCH_CODE
        } else {
            REASON_UNIT_CODE
        };
        return fail(
            "receipt_elements",
            Problem::ElementRequired {
                element: code_element,
                reason,
            },
        );
    }
    if c.deadline_hours == Some(0) {
        return fail("deadline_hours", Problem::Zero);
    }
    check_match_rules(id, &c.matching)
}

fn check_aggregation(
    id: &str,
    granularity: Granularity,
    aggregation: &Aggregation,
) -> Result<(), CatalogueError> {
    let fail = |reason: &'static str| {
        Err(category_error(
            id,
            "aggregation",
            Problem::BadAggregation { reason },
        ))
    };
    if granularity != Granularity::Unit {
        return fail("only categories coded per item aggregate part codes");
    }
    if let Err(reason) = check_slug(&aggregation.parent, CategoryId::MAX_LEN) {
        return Err(category_error(
            id,
            "aggregation.parent",
            Problem::InvalidId {
                value: aggregation.parent.clone(),
                reason,
            },
        ));
    }
    if aggregation.children.is_empty() {
        return Err(category_error(id, "aggregation.children", Problem::Empty));
    }
    let mut seen: HashSet<&str> = HashSet::new();
    for child in &aggregation.children {
        if let Err(reason) = check_slug(child, CategoryId::MAX_LEN) {
            return Err(category_error(
                id,
                "aggregation.children",
                Problem::InvalidId {
                    value: child.clone(),
                    reason,
                },
            ));
        }
        if *child == aggregation.parent {
            return fail("the parent part cannot also be a child");
        }
        if !seen.insert(child) {
            return fail("a child part is listed twice");
        }
    }
    Ok(())
}

fn check_match_rules(id: &str, rules: &MatchRules) -> Result<(), CatalogueError> {
    let check_weight = |field: String, weight: f32| {
        if weight > 0.0 && weight <= 1.0 {
            Ok(())
        } else {
            Err(category_error(
                id,
                field,
                Problem::OutOfRange {
                    value: weight.to_string(),
                    expected: "greater than 0 and at most 1",
                },
            ))
        }
    };
    let check_text = |field: String, text: &str| {
        if normalize(text).trim().is_empty() {
            Err(category_error(id, field, Problem::Empty))
        } else {
            Ok(())
        }
    };
    for (list_name, list) in [
        ("keywords_zh", &rules.keywords_zh),
        ("keywords_en", &rules.keywords_en),
    ] {
        for (i, keyword) in list.iter().enumerate() {
            check_text(format!("match.{list_name}[{i}].term"), &keyword.term)?;
            check_weight(format!("match.{list_name}[{i}].weight"), keyword.weight)?;
        }
    }
    for (list_name, list) in [
        ("negative_keywords_zh", &rules.negative_keywords_zh),
        ("negative_keywords_en", &rules.negative_keywords_en),
    ] {
        for (i, term) in list.iter().enumerate() {
            check_text(format!("match.{list_name}[{i}]"), term)?;
        }
    }
    for (i, marketplace) in rules.marketplace_categories.iter().enumerate() {
        check_text(
            format!("match.marketplace_categories[{i}].name"),
            &marketplace.name,
        )?;
        check_weight(
            format!("match.marketplace_categories[{i}].weight"),
            marketplace.weight,
        )?;
    }
    for (i, gtin) in rules.gtin_prefixes.iter().enumerate() {
        let prefix = gtin.prefix.as_str();
        if !(3..=12).contains(&prefix.len()) || !prefix.bytes().all(|b| b.is_ascii_digit()) {
            return Err(category_error(
                id,
                format!("match.gtin_prefixes[{i}].prefix"),
                Problem::BadGtinPrefix {
                    value: gtin.prefix.clone(),
                },
            ));
        }
        check_weight(format!("match.gtin_prefixes[{i}].weight"), gtin.weight)?;
    }
    Ok(())
}

// ------------------------------------------------------------------------------------------------
// Classification
// ------------------------------------------------------------------------------------------------

/// What is known about a marketplace listing, for classification.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListingFacts {
    /// The listing's title.
    pub title: String,
    /// The product type (Shopify `product_type`), if any.
    #[serde(default)]
    pub product_type: Option<String>,
    /// Marketplace categories or category paths (WooCommerce categories, Youzan/Douyin categories).
    #[serde(default)]
    pub categories: Vec<String>,
    /// Tags.
    #[serde(default)]
    pub tags: Vec<String>,
    /// The vendor or brand, if any.
    #[serde(default)]
    pub vendor: Option<String>,
    /// Barcodes (GTIN-8/12/13/14) of the listing's variants.
    #[serde(default)]
    pub barcodes: Vec<String>,
}

/// Which part of a listing a rule matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ListingField {
    /// The title.
    Title,
    /// The product type.
    ProductType,
    /// A marketplace category.
    Category,
    /// A tag.
    Tag,
    /// The vendor.
    Vendor,
    /// A barcode.
    Barcode,
}

impl ListingField {
    fn name_en(self) -> &'static str {
        match self {
            Self::Title => "title",
            Self::ProductType => "product type",
            Self::Category => "category",
            Self::Tag => "tag",
            Self::Vendor => "vendor",
            Self::Barcode => "barcode",
        }
    }

    fn name_zh(self) -> &'static str {
        match self {
            Self::Title => "标题",
            Self::ProductType => "商品类型",
            Self::Category => "类目",
            Self::Tag => "标签",
            Self::Vendor => "品牌",
            Self::Barcode => "条码",
        }
    }
}

/// A rule that matched a listing: the evidence behind a classification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum MatchedRule {
    /// A keyword appeared in a text field.
    Keyword {
        /// The keyword, as written in the catalogue.
        term: String,
        /// Where it appeared.
        field: ListingField,
    },
    /// A marketplace category or product-type name equalled the listing's.
    MarketplaceCategory {
        /// The name, as written in the catalogue.
        name: String,
        /// Where it appeared.
        field: ListingField,
    },
    /// A barcode began with a known GS1 prefix.
    GtinPrefix {
        /// The prefix.
        prefix: String,
        /// The barcode, as given.
        barcode: String,
    },
}

impl MatchedRule {
    /// The rule in Chinese, e.g. `标题中的关键词“电动自行车”`.
    pub fn describe_zh(&self) -> String {
        match self {
            Self::Keyword { term, field } => format!("{}中的关键词“{term}”", field.name_zh()),
            Self::MarketplaceCategory { name, field } => format!("{}“{name}”", field.name_zh()),
            Self::GtinPrefix { prefix, barcode } => format!("条码 {barcode} 的厂商前缀 {prefix}"),
        }
    }

    fn key(&self) -> (u8, &str) {
        match self {
            Self::Keyword { term, .. } => (0, term),
            Self::MarketplaceCategory { name, .. } => (1, name),
            Self::GtinPrefix { prefix, .. } => (2, prefix),
        }
    }
}

impl fmt::Display for MatchedRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Keyword { term, field } => write!(f, "keyword \"{term}\" in {}", field.name_en()),
            Self::MarketplaceCategory { name, field } => {
                write!(f, "marketplace {} \"{name}\"", field.name_en())
            }
            Self::GtinPrefix { prefix, barcode } => {
                write!(f, "GTIN prefix \"{prefix}\" of barcode {barcode}")
            }
        }
    }
}

/// The catalogue category a listing was recognised as, and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Classification {
    /// The chosen category: the best-scoring one, or a more specific category under it that also
    /// reaches the threshold.
    pub category: CategoryId,
    /// The strongest rule that matched for it.
    pub rule: MatchedRule,
    /// The category's score, in 0..=1.
    pub confidence: f32,
    /// Every rule that matched for it, strongest first.
    pub evidence: Vec<MatchedRule>,
    /// Other categories that matched, best first (at most 5), for a seller's manual override.
    pub alternatives: Vec<(CategoryId, f32)>,
}

/// A positive keyword found in one text.
struct Hit {
    category: usize,
    text: usize,
    start: usize,
    end: usize,
    weight: f32,
    term: String,
    field: ListingField,
}

struct Candidate {
    category: usize,
    score: f32,
    evidence: Vec<(MatchedRule, f32)>,
}

impl Catalogue {
    /// Recognises a listing as one of the catalogue's categories, or `None` when no category reaches
    /// the match threshold (the listing needs no tracing, as far as the catalogue knows).
    ///
    /// Each category scores `1 - Π(1 - w)` over the weights of its distinct matched rules; a negative
    /// keyword in the title, product type or categories vetoes it. The best score wins (ties go to a
    /// first-stage category, then to the deeper one); if a category under the winner also reaches the
    /// threshold, the most specific one is chosen (`ebike` over `ccc_vehicle`).
    pub fn classify(&self, listing: &ListingFacts) -> Option<Classification> {
        let mut candidates = self.score(listing);
        candidates.sort_by(|a, b| {
            b.score
                .total_cmp(&a.score)
                .then_with(|| {
                    self.categories[a.category]
                        .stage
                        .cmp(&self.categories[b.category].stage)
                })
                .then_with(|| self.depth(b.category).cmp(&self.depth(a.category)))
                .then_with(|| a.category.cmp(&b.category))
        });
        let threshold = self.match_threshold;
        let mut chosen = candidates
            .first()
            .filter(|c| c.score >= threshold)?
            .category;
        // Prefer the most specific category: descend while a category under the choice also qualifies.
        while let Some(next) = candidates.iter().find(|c| {
            c.score >= threshold
                && c.category != chosen
                && self.is_within(&self.categories[c.category].id, &self.categories[chosen].id)
        }) {
            chosen = next.category;
        }
        let winner = candidates.iter().find(|c| c.category == chosen)?;
        let mut evidence = winner.evidence.clone();
        evidence.sort_by(|a, b| b.1.total_cmp(&a.1));
        let evidence: Vec<MatchedRule> = evidence.into_iter().map(|(rule, _)| rule).collect();
        let rule = evidence.first()?.clone();
        let alternatives = candidates
            .iter()
            .filter(|c| c.category != chosen)
            .take(MAX_ALTERNATIVES)
            .map(|c| (self.categories[c.category].id.clone(), c.score))
            .collect();
        Some(Classification {
            category: self.categories[chosen].id.clone(),
            rule,
            confidence: winner.score,
            evidence,
            alternatives,
        })
    }

    fn depth(&self, index: usize) -> usize {
        self.ancestors(&self.categories[index].id).len()
    }

    /// Scores every category that a rule matched and no negative keyword vetoed.
    fn score(&self, listing: &ListingFacts) -> Vec<Candidate> {
        let mut texts: Vec<(ListingField, String)> =
            vec![(ListingField::Title, normalize(&listing.title))];
        if let Some(product_type) = &listing.product_type {
            texts.push((ListingField::ProductType, normalize(product_type)));
        }
        texts.extend(
            listing
                .categories
                .iter()
                .map(|c| (ListingField::Category, normalize(c))),
        );
        texts.extend(
            listing
                .tags
                .iter()
                .map(|t| (ListingField::Tag, normalize(t))),
        );
        if let Some(vendor) = &listing.vendor {
            texts.push((ListingField::Vendor, normalize(vendor)));
        }

        let mut hits: Vec<Hit> = Vec::new();
        for (ci, category) in self.categories.iter().enumerate() {
            let rules = &category.matching;
            let keywords = rules
                .keywords_zh
                .iter()
                .map(|k| (k, false))
                .chain(rules.keywords_en.iter().map(|k| (k, true)));
            for (keyword, whole_word) in keywords {
                let term = normalize(&keyword.term);
                for (ti, (field, text)) in texts.iter().enumerate() {
                    for (start, end) in find_term(text, &term, whole_word) {
                        hits.push(Hit {
                            category: ci,
                            text: ti,
                            start,
                            end,
                            weight: keyword.weight,
                            term: keyword.term.clone(),
                            field: *field,
                        });
                    }
                }
            }
        }

        let mut evidence: Vec<Vec<(MatchedRule, f32)>> = vec![Vec::new(); self.categories.len()];
        let mut add = |category: usize, rule: MatchedRule, weight: f32| {
            let list = &mut evidence[category];
            match list
                .iter_mut()
                .find(|(existing, _)| existing.key() == rule.key())
            {
                Some(entry) if weight > entry.1 => *entry = (rule, weight),
                Some(_) => {}
                None => list.push((rule, weight)),
            }
        };
        for hit in &hits {
            let inside_longer = hits.iter().any(|other| {
                other.text == hit.text
                    && other.start <= hit.start
                    && hit.end <= other.end
                    && other.end - other.start > hit.end - hit.start
            });
            if !inside_longer {
                add(
                    hit.category,
                    MatchedRule::Keyword {
                        term: hit.term.clone(),
                        field: hit.field,
                    },
                    hit.weight,
                );
            }
        }

        let mut names: Vec<(ListingField, String)> = Vec::new();
        let fields = listing
            .product_type
            .iter()
            .map(|p| (ListingField::ProductType, p))
            .chain(
                listing
                    .categories
                    .iter()
                    .map(|c| (ListingField::Category, c)),
            );
        for (field, value) in fields {
            let whole = normalize(value);
            for segment in whole.split(['>', '/', '›', '|', '»']) {
                let segment = segment.trim();
                if !segment.is_empty() && segment != whole {
                    names.push((field, segment.to_owned()));
                }
            }
            names.push((field, whole.trim().to_owned()));
        }
        let barcodes: Vec<(&String, String)> = listing
            .barcodes
            .iter()
            .filter_map(|b| gtin13_form(b).map(|g| (b, g)))
            .collect();
        for (ci, category) in self.categories.iter().enumerate() {
            for marketplace in &category.matching.marketplace_categories {
                let wanted = normalize(&marketplace.name);
                if let Some((field, _)) = names.iter().find(|(_, name)| *name == wanted.trim()) {
                    add(
                        ci,
                        MatchedRule::MarketplaceCategory {
                            name: marketplace.name.clone(),
                            field: *field,
                        },
                        marketplace.weight,
                    );
                }
            }
            for gtin in &category.matching.gtin_prefixes {
                if let Some((barcode, _)) = barcodes
                    .iter()
                    .find(|(_, g)| g.starts_with(gtin.prefix.as_str()))
                {
                    add(
                        ci,
                        MatchedRule::GtinPrefix {
                            prefix: gtin.prefix.clone(),
                            barcode: (*barcode).clone(),
                        },
                        gtin.weight,
                    );
                }
            }
        }

        let veto_texts: Vec<&str> = texts
            .iter()
            .filter(|(field, _)| {
                matches!(
                    field,
                    ListingField::Title | ListingField::ProductType | ListingField::Category
                )
            })
            .map(|(_, text)| text.as_str())
            .collect();
        let mut candidates = Vec::new();
        for (ci, matched) in evidence.into_iter().enumerate() {
            if matched.is_empty() {
                continue;
            }
            let rules = &self.categories[ci].matching;
            let negatives = rules
                .negative_keywords_zh
                .iter()
                .map(|t| (t, false))
                .chain(rules.negative_keywords_en.iter().map(|t| (t, true)));
            let vetoed = negatives.into_iter().any(|(term, whole_word)| {
                let term = normalize(term);
                veto_texts
                    .iter()
                    .any(|text| !find_term(text, &term, whole_word).is_empty())
            });
            if vetoed {
                continue;
            }
            let miss: f64 = matched.iter().map(|(_, w)| 1.0 - f64::from(*w)).product();
            let score = (1.0 - miss).clamp(0.0, 1.0) as f32;
            candidates.push(Candidate {
                category: ci,
                score,
                evidence: matched,
            });
        }
        candidates
    }
}

/// Folds full-width ASCII to half-width, lowercases, and collapses runs of whitespace to one space.
fn normalize(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut last_space = false;
    for c in text.chars() {
        let c = match c {
            '\u{3000}' => ' ',
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            _ => c,
        };
        if c.is_whitespace() {
            if !last_space {
                out.push(' ');
            }
            last_space = true;
            continue;
        }
        last_space = false;
        out.extend(c.to_lowercase());
    }
    out
}

fn is_word_char(c: char) -> bool {
    c.is_ascii_alphanumeric()
}

/// Byte spans of `term` in `text`: every occurrence, or, for a whole-word term, occurrences with no
/// ASCII letter or digit on either side (an `s` or `es` plural ending is taken into the match).
fn find_term(text: &str, term: &str, whole_word: bool) -> Vec<(usize, usize)> {
    let term = term.trim();
    if term.is_empty() {
        return Vec::new();
    }
    let mut spans = Vec::new();
    for (start, _) in text.match_indices(term) {
        let end = start + term.len();
        if !whole_word {
            spans.push((start, end));
            continue;
        }
        if text[..start].chars().next_back().is_some_and(is_word_char) {
            continue;
        }
        let rest = &text[end..];
        let plural = ["", "s", "es"].into_iter().find(|suffix| {
            rest.strip_prefix(suffix)
                .is_some_and(|after| !after.chars().next().is_some_and(is_word_char))
        });
        if let Some(suffix) = plural {
            spans.push((start, end + suffix.len()));
        }
    }
    spans
}

/// A barcode's digits in GTIN-13 form, for company-prefix comparison: GTIN-14 loses its indicator
/// digit, UPC-A (12 digits) gains a leading zero, GTIN-13 and GTIN-8 stay. `None` if it is not 8, 12,
/// 13 or 14 digits after spaces and hyphens are removed.
fn gtin13_form(barcode: &str) -> Option<String> {
    let digits: String = barcode
        .chars()
        .filter(|c| !matches!(c, ' ' | '-'))
        .collect();
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    match digits.len() {
        14 => Some(digits[1..].to_owned()),
        12 => Some(format!("0{digits}")),
        8 | 13 => Some(digits),
        _ => None,
    }
}

// ------------------------------------------------------------------------------------------------
// Tests
// ------------------------------------------------------------------------------------------------

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn id(s: &str) -> CategoryId {
        CategoryId::parse(s).unwrap()
    }

    fn builtin() -> Catalogue {
        Catalogue::builtin().expect("the built-in catalogue loads")
    }

    fn title(t: &str) -> ListingFacts {
        ListingFacts {
            title: t.to_owned(),
            ..ListingFacts::default()
        }
    }

    fn classified_as(listing: &ListingFacts) -> Option<String> {
        builtin().classify(listing).map(|c| c.category.to_string())
    }

    /// A small valid catalogue with `{extra}` appended, for error and deadline tests.
    fn small(extra: &str) -> String {
        format!(
            r#"
version = "t1"
[defaults]
receipt_elements = ["supplier_name", "batch", "serial", "certificate_number"]
sale_elements = ["sale_date", "codes_or_batch"]

[[categories]]
id = "group"
name_zh = "组"
name_en = "Group"
stage = 2
granularity = "batch"
unit_of_measure = "pcs"
certificate = {{ kind = "ccc" }}

[[categories]]
id = "widget"
name_zh = "部件"
name_en = "Widget"
stage = 1
parent = "group"
granularity = "unit"
unit_of_measure = "pcs"
certificate = {{ kind = "ccc" }}
deadline_hours = 96
[categories.match]
keywords_zh = [{{ term = "部件", weight = 0.9 }}]
{extra}
"#
        )
    }

    // --- loading -------------------------------------------------------------------------------

    #[test]
    fn the_builtin_catalogue_loads_with_its_settings() {
        let catalogue = builtin();
        assert_eq!(catalogue.version(), "2025.1");
        assert_eq!(catalogue.retention_years(), 3);
        assert_eq!(catalogue.default_deadline(), chrono::Duration::hours(72));
        assert!((catalogue.match_threshold() - 0.5).abs() < f32::EPSILON);
    }

    #[test]
    fn every_first_stage_category_is_present_with_its_granularity_and_certificate() {
        let catalogue = builtin();
        let expected = [
            (
                "ebike",
                Granularity::Unit,
                UnitOfMeasure::Pcs,
                CertificateKind::Ccc,
            ),
            (
                "wire_cable",
                Granularity::Length,
                UnitOfMeasure::M,
                CertificateKind::Ccc,
            ),
            (
                "gas_appliance",
                Granularity::Unit,
                UnitOfMeasure::Pcs,
                CertificateKind::Ccc,
            ),
            (
                "lpg_regulator",
                Granularity::Batch,
                UnitOfMeasure::Pcs,
                CertificateKind::Ccc,
            ),
            (
                "steel_rebar_crb",
                Granularity::Batch,
                UnitOfMeasure::T,
                CertificateKind::ProductionLicence,
            ),
            (
                "steel_wire_rope",
                Granularity::Batch,
                UnitOfMeasure::M,
                CertificateKind::ProductionLicence,
            ),
            (
                "plywood",
                Granularity::Batch,
                UnitOfMeasure::Pcs,
                CertificateKind::NoCertificate,
            ),
            (
                "blockboard",
                Granularity::Batch,
                UnitOfMeasure::Pcs,
                CertificateKind::NoCertificate,
            ),
            (
                "safety_helmet",
                Granularity::Batch,
                UnitOfMeasure::Pcs,
                CertificateKind::Ccc,
            ),
        ];
        for (slug, granularity, unit, certificate) in expected {
            let category = catalogue
                .get(&id(slug))
                .unwrap_or_else(|| panic!("{slug} is missing"));
            assert_eq!(category.stage, 1, "{slug}");
            assert_eq!(category.granularity, granularity, "{slug}");
            assert_eq!(category.unit_of_measure, unit, "{slug}");
            assert_eq!(category.certificate.kind, certificate, "{slug}");
        }
        assert_eq!(
            catalogue
                .categories()
                .iter()
                .filter(|c| c.stage == 1)
                .count(),
            9
        );
    }

    #[test]
    fn an_ebike_code_aggregates_battery_and_charger() {
        let catalogue = builtin();
        let ebike = catalogue.get(&id("ebike")).unwrap();
        let aggregation = ebike.aggregation.as_ref().unwrap();
        assert_eq!(aggregation.parent, "vehicle");
        assert_eq!(
            aggregation.children,
            vec!["battery".to_owned(), "charger".to_owned()]
        );
        assert!(ebike.requires_on_receipt(DataElement::Serial));
        assert_eq!(catalogue.ancestors(&id("ebike"))[0].id, id("ccc_vehicle"));
    }

    #[test]
    fn the_second_stage_has_sixteen_ccc_groups_and_a_production_licence_umbrella() {
        let catalogue = builtin();
        let groups: Vec<&Category> = catalogue
            .categories()
            .iter()
            .filter(|c| c.id.as_str().starts_with("ccc_"))
            .collect();
        assert_eq!(groups.len(), 16);
        assert!(groups.iter().all(|g| g.stage == 2
            && g.certificate.kind == CertificateKind::Ccc
            && g.parent.is_none()));
        let licence = catalogue.get(&id("production_licence")).unwrap();
        assert_eq!(licence.certificate.kind, CertificateKind::ProductionLicence);
        let under_licence: Vec<&str> = catalogue
            .children(&licence.id)
            .map(|c| c.id.as_str())
            .collect();
        assert_eq!(under_licence, vec!["steel_rebar_crb", "steel_wire_rope"]);
    }

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

    #[test]
    fn file_names_of_enums_agree_with_serde() {
        for g in [Granularity::Unit, Granularity::Batch, Granularity::Length] {
            assert_eq!(
                serde_json::to_string(&g).unwrap(),
                format!("\"{}\"", g.as_str())
            );
        }
        for u in [
            UnitOfMeasure::Pcs,
            UnitOfMeasure::Set,
            UnitOfMeasure::Pair,
            UnitOfMeasure::M,
            UnitOfMeasure::Km,
            UnitOfMeasure::M2,
            UnitOfMeasure::M3,
            UnitOfMeasure::Kg,
            UnitOfMeasure::T,
            UnitOfMeasure::L,
        ] {
            assert_eq!(
                serde_json::to_string(&u).unwrap(),
                format!("\"{}\"", u.as_str())
            );
        }
        for k in [
            CertificateKind::Ccc,
            CertificateKind::ProductionLicence,
            CertificateKind::NoCertificate,
        ] {
            assert_eq!(
                serde_json::to_string(&k).unwrap(),
                format!("\"{}\"", k.as_str())
            );
        }
        assert_eq!(
            "buyer_phone".parse::<DataElement>(),
            Err(UnknownDataElement("buyer_phone".to_owned()))
        );
    }

    #[test]
    fn certificate_numbers_get_a_loose_format_check() {
        assert!(CertificateKind::Ccc.plausible_number("2023011119000001"));
        assert!(!CertificateKind::Ccc.plausible_number("2023-0111"));
        assert!(CertificateKind::ProductionLicence.plausible_number("(粤)XK06-014-00001"));
        assert!(CertificateKind::ProductionLicence.plausible_number("xk05-001-00001"));
        assert!(!CertificateKind::ProductionLicence.plausible_number("XK05-001"));
        assert!(CertificateKind::NoCertificate.plausible_number(""));
    }

    // --- classification ------------------------------------------------------------------------

    #[test]
    fn a_chinese_ebike_title_is_an_ebike() {
        let result = builtin()
            .classify(&title("雅迪电动自行车 48V 新国标"))
            .unwrap();
        assert_eq!(result.category, id("ebike"));
        assert_eq!(
            result.rule,
            MatchedRule::Keyword {
                term: "电动自行车".to_owned(),
                field: ListingField::Title
            }
        );
        assert!(result.confidence > 0.9 && result.confidence <= 1.0);
    }

    #[test]
    fn an_english_ebike_title_is_an_ebike() {
        assert_eq!(
            classified_as(&title("Yadea electric bicycle")).as_deref(),
            Some("ebike")
        );
    }

    #[test]
    fn a_building_wire_reel_is_a_wire_and_cable() {
        assert_eq!(
            classified_as(&title("BV 2.5平方 国标铜芯电线 100米")).as_deref(),
            Some("wire_cable")
        );
    }

    #[test]
    fn cable_ties_are_not_wires_and_cables() {
        let result = builtin().classify(&title("尼龙扎带 cable ties"));
        assert_ne!(
            result.map(|c| c.category.to_string()).as_deref(),
            Some("wire_cable")
        );
    }

    #[test]
    fn a_phone_charging_cable_is_not_a_wire_and_cable() {
        let result = classified_as(&title("苹果手机充电线 1米"));
        assert_ne!(result.as_deref(), Some("wire_cable"));
    }

    #[test]
    fn a_household_gas_stove_is_a_gas_appliance_not_its_ccc_group() {
        let result = builtin()
            .classify(&title("家用燃气灶 天然气 双灶"))
            .unwrap();
        assert_eq!(result.category, id("gas_appliance"));
    }

    #[test]
    fn an_lpg_regulator_is_an_lpg_regulator() {
        assert_eq!(
            classified_as(&title("液化气减压阀")).as_deref(),
            Some("lpg_regulator")
        );
    }

    #[test]
    fn a_water_pressure_reducing_valve_is_not_an_lpg_regulator() {
        assert_eq!(classified_as(&title("自来水管减压阀 DN20")), None);
    }

    #[test]
    fn an_ebike_helmet_is_a_safety_helmet_not_an_ebike() {
        let result = builtin().classify(&title("电动车头盔 3C认证")).unwrap();
        assert_eq!(result.category, id("safety_helmet"));
        assert!(
            result
                .alternatives
                .iter()
                .all(|(c, _)| c.as_str() != "ebike")
        );
    }

    #[test]
    fn an_english_ebike_helmet_is_a_safety_helmet() {
        assert_eq!(
            classified_as(&title("Electric bike helmet, adult")).as_deref(),
            Some("safety_helmet")
        );
    }

    #[test]
    fn a_phone_screen_protector_is_not_an_electronic_product() {
        assert_eq!(classified_as(&title("手机防爆膜 iPhone 15")), None);
    }

    #[test]
    fn an_ebike_sold_with_a_free_helmet_is_still_an_ebike() {
        let result = builtin()
            .classify(&title("爱玛电动自行车 新国标 送头盔"))
            .unwrap();
        assert_eq!(result.category, id("ebike"));
        assert!(
            result
                .alternatives
                .iter()
                .any(|(c, _)| c.as_str() == "safety_helmet")
        );
    }

    #[test]
    fn an_ebike_accessory_is_not_an_ebike() {
        assert_eq!(classified_as(&title("电动自行车挡风被 冬季加厚")), None);
    }

    #[test]
    fn a_t_shirt_is_not_classified() {
        assert_eq!(classified_as(&title("T恤")), None);
    }

    #[test]
    fn cold_rolled_ribbed_bars_beat_the_production_licence_umbrella() {
        let result = builtin()
            .classify(&title("冷轧带肋钢筋 CRB550 Φ8"))
            .unwrap();
        assert_eq!(result.category, id("steel_rebar_crb"));
        let hot_rolled = builtin().classify(&title("螺纹钢 HRB400 钢筋")).unwrap();
        assert_eq!(hot_rolled.category, id("production_licence"));
    }

    #[test]
    fn a_marketplace_category_alone_classifies_a_listing() {
        let listing = ListingFacts {
            title: "Urban Glide 500".to_owned(),
            product_type: Some("Electric Bikes".to_owned()),
            ..ListingFacts::default()
        };
        let result = builtin().classify(&listing).unwrap();
        assert_eq!(result.category, id("ebike"));
        // The product type is both a marketplace category and, as words, a keyword: both count.
        assert!(result.evidence.contains(&MatchedRule::MarketplaceCategory {
            name: "Electric Bikes".to_owned(),
            field: ListingField::ProductType
        }));
        assert!(result.confidence > 0.9);
    }

    #[test]
    fn a_segment_of_a_category_path_matches() {
        let listing = ListingFacts {
            title: "XR-9 旗舰款".to_owned(),
            categories: vec!["运动户外 > 骑行运动 > 电动自行车".to_owned()],
            ..ListingFacts::default()
        };
        assert_eq!(classified_as(&listing).as_deref(), Some("ebike"));
    }

    #[test]
    fn english_keywords_match_whole_words_only() {
        // "tv" must not match inside "ptv", "cable" not inside "cablevision".
        assert_eq!(classified_as(&title("PTV cablevision voucher")), None);
        assert_eq!(
            classified_as(&title("Smart TV 55 inch")).as_deref(),
            Some("ccc_electronics")
        );
    }

    #[test]
    fn full_width_and_upper_case_text_is_folded() {
        assert_eq!(
            classified_as(&title("ＹＡＤＥＡ　ELECTRIC　BICYCLE")).as_deref(),
            Some("ebike")
        );
    }

    #[test]
    fn a_gtin_prefix_matches_gtin13_and_gtin14_barcodes() {
        let text = small(r#"gtin_prefixes = [{ prefix = "9521234", weight = 0.8 }]"#);
        let catalogue = Catalogue::from_toml_str(&text).unwrap();
        for barcode in ["9521234000019", "19521234000016"] {
            let listing = ListingFacts {
                title: "No words here".to_owned(),
                barcodes: vec![barcode.to_owned()],
                ..ListingFacts::default()
            };
            let result = catalogue.classify(&listing).unwrap();
            assert_eq!(result.category, id("widget"));
            assert_eq!(
                result.rule,
                MatchedRule::GtinPrefix {
                    prefix: "9521234".to_owned(),
                    barcode: barcode.to_owned()
                }
            );
        }
    }

    #[test]
    fn a_matched_rule_describes_itself_in_both_languages() {
        let rule = MatchedRule::Keyword {
            term: "电动自行车".to_owned(),
            field: ListingField::Title,
        };
        assert_eq!(rule.to_string(), "keyword \"电动自行车\" in title");
        assert_eq!(rule.describe_zh(), "标题中的关键词“电动自行车”");
    }

    #[test]
    fn a_raised_threshold_leaves_weak_matches_unclassified() {
        let mut catalogue = builtin();
        catalogue
            .extend(CatalogueExtension::from_toml_str("match_threshold = 0.99").unwrap())
            .unwrap();
        assert!(catalogue.classify(&title("电动车 新国标")).is_none());
        assert!(builtin().classify(&title("电动车 新国标")).is_some());
    }

    // --- deadlines -----------------------------------------------------------------------------

    #[test]
    fn a_guangdong_ebike_override_from_an_extension_applies_only_in_guangdong() {
        let mut catalogue = builtin();
        assert_eq!(
            catalogue.deadline_for(&id("ebike"), "440305"),
            chrono::Duration::hours(72)
        );
        catalogue
            .extend(
                CatalogueExtension::from_toml_str(
                    "[[deadline_overrides]]\njurisdiction = \"44\"\ncategory = \"ebike\"\nhours = 48\n",
                )
                .unwrap(),
            )
            .unwrap();
        assert_eq!(
            catalogue.deadline_for(&id("ebike"), "440305"),
            chrono::Duration::hours(48)
        );
        assert_eq!(
            catalogue.deadline_for(&id("ebike"), "330100"),
            chrono::Duration::hours(72)
        );
        assert_eq!(
            catalogue.deadline_for(&id("wire_cable"), "440305"),
            chrono::Duration::hours(72)
        );
    }

    #[test]
    fn the_longest_matching_jurisdiction_wins() {
        let text = small(
            r#"
[[deadline_overrides]]
jurisdiction = "44"
category = "widget"
hours = 48

[[deadline_overrides]]
jurisdiction = "4403"
category = "widget"
hours = 24

[[deadline_overrides]]
jurisdiction = "440305"
hours = 12

[[deadline_overrides]]
jurisdiction = "33"
category = "group"
hours = 36
"#,
        );
        let catalogue = Catalogue::from_toml_str(&text).unwrap();
        let widget = id("widget");
        assert_eq!(
            catalogue.deadline_for(&widget, "440103"),
            chrono::Duration::hours(48)
        );
        assert_eq!(
            catalogue.deadline_for(&widget, "440304"),
            chrono::Duration::hours(24)
        );
        // A county rule for every category is longer than the city rule for the category.
        assert_eq!(
            catalogue.deadline_for(&widget, "440305"),
            chrono::Duration::hours(12)
        );
        // An override for a parent group reaches the categories under it.
        assert_eq!(
            catalogue.deadline_for(&widget, "330106"),
            chrono::Duration::hours(36)
        );
        // Elsewhere: the category's own deadline; the group has none, so the default.
        assert_eq!(
            catalogue.deadline_for(&widget, "110101"),
            chrono::Duration::hours(96)
        );
        assert_eq!(
            catalogue.deadline_for(&id("group"), "110101"),
            chrono::Duration::hours(72)
        );
        assert_eq!(
            catalogue.deadline_for(&id("unknown"), "110101"),
            chrono::Duration::hours(72)
        );
    }

    // --- extension -----------------------------------------------------------------------------

    const EXTENSION: &str = r#"
version = "acme-1"

[[deadline_overrides]]
jurisdiction = "33"
category = "wire_cable"
hours = 24

[[categories]]
id = "plywood"
name_zh = "胶合板"
name_en = "Plywood"
stage = 1
granularity = "batch"
unit_of_measure = "m3"
certificate = { kind = "none" }
receipt_elements = ["supplier_name", "batch", "quantity", "unit"]
sale_elements = ["sale_date", "codes_or_batch", "quantity"]
deadline_hours = 120

[[categories]]
id = "lithium_battery"
name_zh = "锂离子电池"
name_en = "Lithium-ion batteries"
stage = 2
parent = "ccc_electronics"
granularity = "batch"
unit_of_measure = "pcs"
certificate = { kind = "ccc" }
receipt_elements = ["supplier_name", "model", "batch", "certificate_number"]
sale_elements = ["sale_date", "codes_or_batch"]
[categories.match]
keywords_zh = [{ term = "锂离子电池", weight = 0.95 }]
"#;

    #[test]
    fn an_extension_file_overrides_deadlines_and_adds_and_replaces_categories() {
        let dir = std::env::temp_dir().join(format!("suyuan-catalogue-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("extension.toml");
        std::fs::write(&path, EXTENSION).unwrap();

        let catalogue = Catalogue::builtin_with_extension(Some(&path)).unwrap();
        std::fs::remove_dir_all(&dir).ok();

        assert_eq!(catalogue.version(), "2025.1+acme-1");
        assert_eq!(
            catalogue.deadline_for(&id("wire_cable"), "330106"),
            chrono::Duration::hours(24)
        );
        assert_eq!(
            catalogue.deadline_for(&id("wire_cable"), "110101"),
            chrono::Duration::hours(72)
        );
        let plywood = catalogue.get(&id("plywood")).unwrap();
        assert_eq!(plywood.unit_of_measure, UnitOfMeasure::M3);
        assert_eq!(
            catalogue.deadline_for(&id("plywood"), "110101"),
            chrono::Duration::hours(120)
        );
        assert_eq!(
            catalogue.categories().len(),
            builtin().categories().len() + 1
        );
        let result = catalogue.classify(&title("18650 锂离子电池 3.7V")).unwrap();
        assert_eq!(result.category, id("lithium_battery"));
        assert!(catalogue.is_within(&id("lithium_battery"), &id("ccc_electronics")));
    }

    #[test]
    fn a_full_catalogue_can_extend_another() {
        let mut catalogue = builtin();
        let other = Catalogue::from_toml_str(&small("")).unwrap();
        catalogue.extend(other).unwrap();
        assert!(catalogue.get(&id("widget")).is_some());
        assert_eq!(catalogue.version(), "2025.1+t1");
    }

    #[test]
    fn a_failed_extension_changes_nothing() {
        let mut catalogue = builtin();
        let extension = CatalogueExtension::from_toml_str(
            r#"
retention_years = 10
[[categories]]
id = "orphan"
name_zh = "孤儿"
name_en = "Orphan"
stage = 2
parent = "no_such_group"
granularity = "batch"
unit_of_measure = "pcs"
certificate = { kind = "none" }
receipt_elements = ["batch"]
sale_elements = ["sale_date"]
"#,
        )
        .unwrap();
        let err = catalogue.extend(extension).unwrap_err();
        assert_eq!(err.category(), Some("orphan"));
        assert_eq!(err.field(), Some("parent"));
        assert_eq!(catalogue.retention_years(), 3);
        assert!(catalogue.get(&id("orphan")).is_none());
    }

    // --- errors --------------------------------------------------------------------------------

    fn load_error(text: &str) -> CatalogueError {
        Catalogue::from_toml_str(text).expect_err("the file is invalid")
    }

    #[test]
    fn a_duplicate_id_is_named() {
        let err = load_error(&small(
            r#"
[[categories]]
id = "widget"
name_zh = "部件"
name_en = "Widget again"
stage = 1
granularity = "batch"
unit_of_measure = "pcs"
certificate = { kind = "ccc" }
"#,
        ));
        assert_eq!((err.category(), err.field()), (Some("widget"), Some("id")));
        assert_eq!(err.problem(), Some(&Problem::DuplicateId));
    }

    #[test]
    fn an_unknown_parent_is_named() {
        let err = load_error(&small("").replace(r#"parent = "group""#, r#"parent = "grup""#));
        assert_eq!(
            (err.category(), err.field()),
            (Some("widget"), Some("parent"))
        );
        assert_eq!(
            err.to_string(),
            "category `widget`, field `parent`: refers to unknown category `grup`"
        );
        assert_eq!(
            err.message_zh(),
            "类别“widget”的字段“parent”：引用了不存在的类别“grup”"
        );
    }

    #[test]
    fn a_parent_cycle_is_named() {
        let text = small("").replacen(
            "stage = 2\ngranularity",
            "stage = 2\nparent = \"widget\"\ngranularity",
            1,
        );
        let err = load_error(&text);
        assert_eq!(err.field(), Some("parent"));
        assert_eq!(err.problem(), Some(&Problem::ParentCycle));
    }

    #[test]
    fn an_empty_name_is_named() {
        let err = load_error(&small("").replace(r#"name_en = "Widget""#, r#"name_en = "  ""#));
        assert_eq!(
            (err.category(), err.field()),
            (Some("widget"), Some("name_en"))
        );
        assert_eq!(err.problem(), Some(&Problem::Empty));
    }

    #[test]
    fn an_unknown_data_element_is_named() {
        let text = small("").replace(
            "deadline_hours = 96",
            "deadline_hours = 96\nsale_elements = [\"sale_date\", \"buyer_phone\"]",
        );
        let err = load_error(&text);
        assert_eq!(
            (err.category(), err.field()),
            (Some("widget"), Some("sale_elements"))
        );
        assert_eq!(
            err.problem(),
            Some(&Problem::UnknownElement {
                value: "buyer_phone".to_owned()
            })
        );
    }

    #[test]
    fn a_sale_element_in_the_receipt_list_is_named() {
        let text = small("").replace(
            "deadline_hours = 96",
            "deadline_hours = 96\nreceipt_elements = [\"serial\", \"certificate_number\", \"sale_date\"]",
        );
        let err = load_error(&text);
        assert_eq!(
            (err.category(), err.field()),
            (Some("widget"), Some("receipt_elements"))
        );
    }

    #[test]
    fn a_zero_deadline_is_named() {
        let err = load_error(&small("").replace("deadline_hours = 96", "deadline_hours = 0"));
        assert_eq!(
            (err.category(), err.field()),
            (Some("widget"), Some("deadline_hours"))
        );
        assert_eq!(err.problem(), Some(&Problem::Zero));
    }

    #[test]
    fn a_bad_jurisdiction_is_named() {
        for bad in ["4", "440", "44a1", "4403051"] {
            let err = load_error(&small(&format!(
                "[[deadline_overrides]]\njurisdiction = \"{bad}\"\ncategory = \"widget\"\nhours = 24\n"
            )));
            assert_eq!(err.category(), Some("widget"), "{bad}");
            assert_eq!(
                err.field(),
                Some("deadline_overrides[0].jurisdiction"),
                "{bad}"
            );
            assert_eq!(
                err.problem(),
                Some(&Problem::BadJurisdiction {
                    value: bad.to_owned()
                })
            );
        }
    }

    #[test]
    fn a_zero_hour_override_and_an_unknown_override_category_are_named() {
        let err = load_error(&small(
            "[[deadline_overrides]]\njurisdiction = \"44\"\nhours = 0\n",
        ));
        assert_eq!(
            (err.category(), err.field()),
            (None, Some("deadline_overrides[0].hours"))
        );
        let err = load_error(&small(
            "[[deadline_overrides]]\njurisdiction = \"44\"\ncategory = \"gizmo\"\nhours = 5\n",
        ));
        assert_eq!(
            (err.category(), err.field()),
            (Some("gizmo"), Some("deadline_overrides[0].category"))
        );
    }

    #[test]
    fn an_invalid_id_is_named() {
        let err = load_error(&small("").replace(r#"id = "widget""#, r#"id = "Widget-2""#));
        assert_eq!(
            (err.category(), err.field()),
            (Some("Widget-2"), Some("id"))
        );
        let err = load_error(&small("").replace("id = \"widget\"\n", ""));
        assert_eq!((err.category(), err.field()), (Some("#2"), Some("id")));
        assert_eq!(err.problem(), Some(&Problem::Missing));
    }

    #[test]
    fn a_certificate_without_its_number_element_is_named() {
        let text = small("").replace(
            "deadline_hours = 96",
            "deadline_hours = 96\nreceipt_elements = [\"serial\", \"batch\"]",
        );
        let err = load_error(&text);
        assert_eq!(
            err.problem(),
            Some(&Problem::ElementRequired {
                element: DataElement::CertificateNumber,
                reason: REASON_CERTIFICATE
            })
        );
    }

    #[test]
    fn a_length_category_counted_in_pieces_is_named() {
        let text = small("").replace("granularity = \"unit\"", "granularity = \"length\"");
        let err = load_error(&text);
        assert_eq!(
            (err.category(), err.field()),
            (Some("widget"), Some("unit_of_measure"))
        );
        assert_eq!(
            err.to_string(),
            "category `widget`, field `unit_of_measure`: unit `pcs` does not suit granularity `length`"
        );
    }

    #[test]
    fn a_bad_weight_names_the_keyword() {
        let err = load_error(&small("").replace("weight = 0.9", "weight = 1.5"));
        assert_eq!(
            (err.category(), err.field()),
            (Some("widget"), Some("match.keywords_zh[0].weight"))
        );
    }

    #[test]
    fn a_short_retention_and_a_missing_version_are_named() {
        let err = load_error(
            &small("").replace("version = \"t1\"", "version = \"t1\"\nretention_years = 1"),
        );
        assert_eq!(err.field(), Some("retention_years"));
        let err = load_error(&small("").replace("version = \"t1\"", ""));
        assert_eq!(err.field(), Some("version"));
        assert_eq!(err.problem(), Some(&Problem::Missing));
    }

    #[test]
    fn a_misspelt_field_or_value_is_a_syntax_error_with_its_line() {
        let err = load_error(&small("").replace("deadline_hours = 96", "deadline_hour = 96"));
        let CatalogueError::Syntax { message, .. } = &err else {
            panic!("{err:?}")
        };
        assert!(message.contains("deadline_hour"), "{message}");
        assert!(message.contains("line"), "{message}");
        let err =
            load_error(&small("").replace("granularity = \"unit\"", "granularity = \"units\""));
        assert!(matches!(err, CatalogueError::Syntax { .. }), "{err:?}");
        assert!(err.message_zh().starts_with("目录 string 无法解析"));
    }

    #[test]
    fn a_missing_file_is_an_io_error() {
        let err =
            Catalogue::load_path(Path::new("/nonexistent/suyuan/catalogue.toml")).unwrap_err();
        assert!(matches!(err, CatalogueError::Io { .. }));
        assert!(
            err.to_string()
                .contains("/nonexistent/suyuan/catalogue.toml")
        );
    }

    #[test]
    fn category_ids_are_validated_slugs() {
        assert!(CategoryId::parse("ccc_household_appliance").is_ok());
        assert_eq!(CategoryId::parse(""), Err(CategoryIdError::Empty));
        assert_eq!(
            CategoryId::parse("1abc"),
            Err(CategoryIdError::BadStart('1'))
        );
        assert_eq!(
            CategoryId::parse("e-bike"),
            Err(CategoryIdError::BadChar {
                ch: '-',
                position: 2
            })
        );
        assert!(matches!(
            CategoryId::parse(&"a".repeat(65)),
            Err(CategoryIdError::TooLong { len: 65, .. })
        ));
        assert!(serde_json::from_str::<CategoryId>("\"Bad\"").is_err());
        assert_eq!(serde_json::to_string(&id("ebike")).unwrap(), "\"ebike\"");
    }

    #[test]
    fn the_catalogue_serialises_for_the_api() {
        let json = serde_json::to_value(builtin()).unwrap();
        assert_eq!(json["version"], "2025.1");
        let ebike = json["categories"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["id"] == "ebike")
            .unwrap();
        assert_eq!(ebike["certificate"]["kind"], "ccc");
        assert_eq!(ebike["granularity"], "unit");
    }

    proptest! {
        #[test]
        fn classification_never_panics_and_confidence_stays_in_range(
            t in "\\PC{0,40}",
            tag in "[a-z电动车线缆头盔 ]{0,12}",
            barcode in "[0-9]{0,14}",
        ) {
            let catalogue = builtin();
            let listing = ListingFacts {
                title: t,
                tags: vec![tag],
                barcodes: vec![barcode],
                ..ListingFacts::default()
            };
            if let Some(result) = catalogue.classify(&listing) {
                prop_assert!(result.confidence >= catalogue.match_threshold() && result.confidence <= 1.0);
                prop_assert!(result.alternatives.iter().all(|(_, s)| (0.0..=1.0).contains(s)));
                prop_assert!(catalogue.get(&result.category).is_some());
            }
        }

        #[test]
        fn deadlines_are_always_positive(code in "[0-9]{0,6}") {
            let catalogue = builtin();
            for category in catalogue.categories() {
                prop_assert!(catalogue.deadline_for(&category.id, &code) > chrono::Duration::zero());
            }
        }

        #[test]
        fn valid_slugs_parse_and_round_trip(slug in "[a-z][a-z0-9_]{0,63}") {
            let parsed = CategoryId::parse(&slug).unwrap();
            prop_assert_eq!(parsed.as_str(), slug.as_str());
        }
    }
}
