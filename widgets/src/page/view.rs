//! What the public trace page shows: the view a caller fills in. It holds no personal data.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::lang::Lang;
use crate::badge::TraceStatus;

/// The default status of a [`TracePageView`] built with `Default`: [`TraceStatus::Traced`].
impl Default for TraceStatus {
    fn default() -> Self {
        Self::Traced
    }
}

/// Everything the public trace page of one code shows. It holds no personal data, and must not.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TracePageView {
    /// The canonical text of the code, e.g. `(01)09520001000010(21)YD2025000001`.
    pub code: String,
    /// Kind of code: `gs1`, `ecode`, `handle` or `opaque`.
    pub code_kind: String,
    /// The code's GS1 Digital Link on our resolver, when it has one.
    pub digital_link: Option<String>,
    /// Trace status; a page with a [`RecallView`] always shows [`TraceStatus::Recalled`].
    pub status: TraceStatus,
    /// The product.
    pub product: ProductView,
    /// The producer, when known.
    pub producer: Option<PartyView>,
    /// Certificates of the product (CCC, production licence) and their check results.
    pub certificates: Vec<CertificateView>,
    /// The chain of custody at the level of businesses, oldest first.
    pub custody: Vec<CustodyStep>,
    /// Records of the unit that do not fit its chain of custody (a receipt from nobody who
    /// shipped it, or dated before the previous holder's shipment): shown apart as suspicious
    /// claims, never as the product's facts.
    pub claims: Vec<ClaimView>,
    /// The recall notice, when the product is recalled: shown as a banner at the top.
    pub recall: Option<RecallView>,
    /// Sale and scan counts for the authenticity hint.
    pub authenticity: AuthenticityView,
    /// Receive / sell links, only for a signed-in seller.
    pub seller_actions: Option<SellerActions>,
    /// Further links (GS1 link types such as `gs1:pip`, `gs1:traceability`).
    pub links: Vec<LinkView>,
    /// Date of the latest record.
    pub updated: Option<NaiveDate>,
}

/// The product part of a [`TracePageView`]; every field is optional and shown only when present.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ProductView {
    /// Product name.
    pub name: Option<String>,
    /// Model (型号).
    pub model: Option<String>,
    /// GTIN (商品条码).
    pub gtin: Option<String>,
    /// Batch or lot (批次).
    pub batch: Option<String>,
    /// Serial number (序列号).
    pub serial: Option<String>,
    /// Expiry date (有效期至).
    pub expiry: Option<NaiveDate>,
    /// Catalogue category id, shown when neither name is known.
    pub category_id: Option<String>,
    /// Category name in Chinese.
    pub category_zh: Option<String>,
    /// Category name in English.
    pub category_en: Option<String>,
}

/// A business (the producer) as the public page shows it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartyView {
    /// Registered business name.
    pub name: String,
    /// Unified social credit code (统一社会信用代码).
    pub credit_code: Option<String>,
    /// Region in Chinese, e.g. `浙江省杭州市`.
    pub region_zh: Option<String>,
    /// Region in English, e.g. `Hangzhou, Zhejiang`.
    pub region_en: Option<String>,
}

/// A certificate of the product and the result of checking it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertificateView {
    /// `ccc`, `production_licence`, or another kind shown as given.
    pub kind: String,
    /// Certificate number.
    pub number: String,
    /// Check result: `valid`, `invalid`, `expired`, `revoked`, `unchecked`, … (`None`: not
    /// checked).
    pub check: Option<String>,
}

/// One step of the chain of custody: a business did something with the product on a date.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustodyStep {
    /// Date of the event.
    pub date: NaiveDate,
    /// What happened.
    pub step: StepKind,
    /// The business that recorded the step (a business name only, never a person).
    pub party: Option<String>,
    /// Region of the step in Chinese.
    pub region_zh: Option<String>,
    /// Region of the step in English.
    pub region_en: Option<String>,
    /// The business on the other side (supplier or distributor), never a consumer; it is not
    /// shown on a [`StepKind::SoldToConsumer`] step even when set.
    pub counterpart: Option<String>,
    /// The record was later corrected (the page marks it 已更正 Corrected).
    pub corrected: bool,
    /// Why the step was recorded long after its date (a back-dated record's reason).
    #[serde(default)]
    pub backdate_reason: Option<String>,
}

/// A record that does not fit the unit's chain of custody, as the page shows it apart.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClaimView {
    /// The date the record claims.
    pub date: NaiveDate,
    /// What it claims happened.
    pub step: StepKind,
    /// The business that recorded it.
    pub party: Option<String>,
    /// The product name it gives, when it differs from the product's.
    pub product_name: Option<String>,
    /// Stable reason (`not_shipped_to_claimant`, `dated_before_previous_holder`,
    /// `not_holder`).
    pub reason: String,
    /// The reason in Chinese.
    pub reason_zh: String,
    /// The reason in English.
    pub reason_en: String,
    /// The back-dating reason the record gives, if any.
    #[serde(default)]
    pub backdate_reason: Option<String>,
}

/// Kind of a chain-of-custody step.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StepKind {
    /// Made and released by the producer.
    Produced,
    /// Received into a seller's stock after incoming inspection.
    Received,
    /// Shipped to the next business in the chain.
    Shipped,
    /// Sold to a consumer.
    SoldToConsumer,
    /// Sold to a business (distributor, agent, installer).
    SoldToBusiness,
    /// Returned.
    Returned,
    /// Recalled.
    Recalled,
}

impl StepKind {
    /// Every step kind.
    pub const ALL: [StepKind; 7] = [
        Self::Produced,
        Self::Received,
        Self::Shipped,
        Self::SoldToConsumer,
        Self::SoldToBusiness,
        Self::Returned,
        Self::Recalled,
    ];

    /// Stable machine name, as serialised: `produced`, `sold_to_consumer`, …
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Produced => "produced",
            Self::Received => "received",
            Self::Shipped => "shipped",
            Self::SoldToConsumer => "sold_to_consumer",
            Self::SoldToBusiness => "sold_to_business",
            Self::Returned => "returned",
            Self::Recalled => "recalled",
        }
    }

    /// Chinese label: 生产出厂, 进货验收, 发货, 销售给消费者, 销售给企业, 退货, 召回.
    pub fn label_zh(self) -> &'static str {
        match self {
            Self::Produced => "生产出厂",
            Self::Received => "进货验收",
            Self::Shipped => "发货",
            Self::SoldToConsumer => "销售给消费者",
            Self::SoldToBusiness => "销售给企业",
            Self::Returned => "退货",
            Self::Recalled => "召回",
        }
    }

    /// English label: Produced, Received, Shipped, Sold to a consumer, Sold to a business,
    /// Returned, Recalled.
    pub fn label_en(self) -> &'static str {
        match self {
            Self::Produced => "Produced",
            Self::Received => "Received",
            Self::Shipped => "Shipped",
            Self::SoldToConsumer => "Sold to a consumer",
            Self::SoldToBusiness => "Sold to a business",
            Self::Returned => "Returned",
            Self::Recalled => "Recalled",
        }
    }

    /// The label in `lang`.
    pub fn label(self, lang: Lang) -> &'static str {
        lang.pick(self.label_zh(), self.label_en())
    }
}

/// A recall notice (EU GPSR art. 19 asks for the identifiers concerned and what to do).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecallView {
    /// Why the product is recalled, in Chinese.
    pub reason_zh: String,
    /// Why, in English (the Chinese text is shown when missing).
    pub reason_en: Option<String>,
    /// Date the recall was issued.
    pub issued_at: NaiveDate,
    /// Which products are concerned, e.g. `批次 B123`.
    pub scope_zh: String,
    /// What the consumer should do, in Chinese.
    pub action_zh: String,
    /// What the consumer should do, in English.
    pub action_en: String,
    /// Whom to contact (phone number or address of the recall desk).
    pub contact: Option<String>,
}

/// Counts behind the authenticity hint.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct AuthenticityView {
    /// The code names one unit (一物一码), not a batch.
    pub unit_level: bool,
    /// Sales to consumers or businesses recorded for the code.
    pub times_sold: u32,
    /// Public scans of the code.
    pub times_scanned: u32,
    /// Receipts into sellers' stock recorded for the code.
    pub times_received_by_sellers: u32,
    /// The caller's verdict: a unit code sold more than once, received by more than one
    /// seller, or with records that do not fit its chain of custody. Only unit-level codes show
    /// the warning.
    pub suspicious: bool,
}

/// Links for a signed-in seller to act on the scanned code.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SellerActions {
    /// The seller the user is signed in as.
    pub seller_name: String,
    /// Where 接收入库 (receive into stock) leads.
    pub receive_url: String,
    /// Where 登记销售 (register a sale) leads.
    pub sell_url: String,
}

/// A further link about the product.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkView {
    /// GS1 link type, e.g. `gs1:pip` or `gs1:traceability`.
    pub rel: String,
    /// Target: `http(s)` or relative; any other link is left out.
    pub href: String,
    /// Title in Chinese.
    pub title_zh: String,
    /// Title in English.
    pub title_en: String,
}
