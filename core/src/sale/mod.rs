//! Sales registration (销售登记, guide 5.5 and 5.6): offline and B2B sales as the seller gives
//! them, parsed once into a [`NewSale`]; marketplace orders merged into the sale record; and how
//! a sale stands against its registration deadline.

use crate::catalogue::{Catalogue, CategoryId};
use crate::codes::TraceCode;
use crate::credit_code::CreditCode;
use crate::division::DivisionCode;
use crate::receipt::parse_time;
use crate::secrets::SecretKey;
use crate::validation::{self, Errors, FieldError};
use chrono::{DateTime, FixedOffset, Utc};
use serde::Deserialize;
use utoipa::ToSchema;

mod order;

pub use crate::timeliness::{Clock, Timeliness, TimelinessState, sale_clock, timeliness};
pub use order::{OrderMerge, SaleRecord, refund_applies_to, refunded_total, stale, status_name};

/// How long a claim link stays valid unless configured otherwise.
pub const DEFAULT_VALID_FOR_DAYS: i64 = 30;

/// Terms of the transfer a B2B sale creates.
#[derive(Clone, Debug)]
pub struct TransferTerms {
    /// Where reminders go (the buyer's contact e-mail, given at sale time).
    pub contact_email: Option<String>,
    /// How long the claim link is valid.
    pub valid_for: chrono::Duration,
    /// Seals the claim token at rest so reminders can carry the link; without it reminders
    /// cannot include the link.
    pub sealing_key: Option<SecretKey>,
}

impl Default for TransferTerms {
    fn default() -> Self {
        Self {
            contact_email: None,
            valid_for: chrono::Duration::days(DEFAULT_VALID_FOR_DAYS),
            sealing_key: None,
        }
    }
}

/// Who bought.
#[derive(Clone, Debug)]
pub enum Buyer {
    /// A consumer: only the region is kept.
    Consumer {
        /// Division code of the region.
        region: DivisionCode,
    },
    /// A distributor or agent (the next-tier seller).
    Business {
        /// `distributor` or `agent`.
        kind: &'static str,
        /// Registered name.
        name: String,
        /// Unified social credit code.
        credit_code: CreditCode,
        /// Where the goods go.
        region: Option<DivisionCode>,
    },
}

/// A sale to register.
#[derive(Clone, Debug)]
pub struct NewSale {
    /// Catalogue category.
    pub category: CategoryId,
    /// When it was sold.
    pub sold_at: DateTime<FixedOffset>,
    /// The buyer.
    pub buyer: Buyer,
    /// `pickup`, `courier`, `freight` or `own_delivery`.
    pub shipping_method: Option<String>,
    /// Tracking number.
    pub tracking_number: Option<String>,
    /// Receipt or invoice number.
    pub voucher_number: Option<String>,
    /// What was sold: unit codes, or batch codes with quantities.
    pub items: Vec<(TraceCode, Option<f64>)>,
    /// For a distributor or agent: the transfer's contact e-mail and validity.
    pub transfer: TransferTerms,
}

/// The buyer of an offline or B2B sale.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BuyerIn {
    /// `consumer`, `distributor` or `agent`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Region (division code): required for consumers (only the region is kept).
    pub region: Option<String>,
    /// Distributor's or agent's registered name.
    pub name: Option<String>,
    /// Distributor's or agent's unified social credit code.
    pub credit_code: Option<String>,
    /// Distributor's or agent's contact e-mail: reminders of the unclaimed transfer go there.
    pub contact_email: Option<String>,
}

/// One sold item.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SaleItemIn {
    /// A unit code, or a batch code (`(01)…(10)…`).
    pub code: Option<String>,
    /// GTIN (with `batch` and `quantity`, instead of `code`).
    pub gtin: Option<String>,
    /// Batch.
    pub batch: Option<String>,
    /// Quantity, for batch codes.
    pub quantity: Option<f64>,
}

/// An offline or B2B sale.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SaleIn {
    /// Catalogue category.
    pub category: String,
    /// When sold (RFC 3339 or a date); default now.
    pub sold_at: Option<String>,
    /// The buyer.
    pub buyer: BuyerIn,
    /// `pickup`, `courier`, `freight` or `own_delivery`.
    pub shipping_method: Option<String>,
    /// Tracking number.
    pub tracking_number: Option<String>,
    /// Receipt or invoice number.
    pub voucher_number: Option<String>,
    /// What was sold.
    pub items: Vec<SaleItemIn>,
}

impl SaleIn {
    /// Parses every field as of `now`, naming each bad one (as JSON paths: `buyer.region`, `items[2]`).
    /// `valid_for` and `sealing_key` are the terms of the transfer a B2B sale creates.
    pub fn parse(
        self,
        catalogue: &Catalogue,
        valid_for: chrono::Duration,
        sealing_key: Option<SecretKey>,
        now: DateTime<Utc>,
    ) -> Result<NewSale, Vec<FieldError>> {
        let mut e = Errors::default();
        let category = e.check(
            CategoryId::parse(&self.category)
                .ok()
                .filter(|c| catalogue.get(c).is_some())
                .ok_or_else(|| {
                    FieldError::new(
                        "category",
                        "unknown_category",
                        format!("目录中没有类别 {}", self.category),
                        format!("`{}` is not a catalogue category", self.category),
                    )
                }),
        );
        let sold_at = e.check(parse_time("sold_at", self.sold_at.as_deref(), now));
        let region = match self.buyer.region.as_deref() {
            Some(r) => e.check(DivisionCode::parse(r).map_err(|err| {
                FieldError::new(
                    "buyer.region",
                    err.code(),
                    err.message_zh(),
                    err.to_string(),
                )
            })),
            None => None,
        };
        if self.buyer.kind == "consumer" && self.buyer.contact_email.is_some() {
            e.0.push(FieldError::new(
                "buyer.contact_email",
                "not_for_consumers",
                "消费者的个人信息不予记录",
                "is not kept for a consumer (no personal data)",
            ));
        }
        let buyer = match self.buyer.kind.as_str() {
            "consumer" => match region.clone() {
                Some(region) => Some(Buyer::Consumer { region }),
                None => {
                    e.0.push(FieldError::new(
                        "buyer.region",
                        "required",
                        "消费者销售须填写地区（行政区划代码）",
                        "is required for a consumer: the region's division code",
                    ));
                    None
                }
            },
            kind @ ("distributor" | "agent") => {
                let name = match self.buyer.name.as_deref() {
                    Some(n) => e.check(validation::bounded_text("buyer.name", n, 200)),
                    None => {
                        e.0.push(FieldError::new(
                            "buyer.name",
                            "required",
                            "经销商/代理商销售须填写买方名称",
                            "is required for a distributor or agent",
                        ));
                        None
                    }
                };
                let credit = match self.buyer.credit_code.as_deref() {
                    Some(c) => e.check(CreditCode::parse(c).map_err(|err| {
                        FieldError::new(
                            "buyer.credit_code",
                            err.code(),
                            err.message_zh(),
                            err.to_string(),
                        )
                    })),
                    None => {
                        e.0.push(FieldError::new(
                            "buyer.credit_code",
                            "required",
                            "经销商/代理商销售须填写统一社会信用代码",
                            "is required for a distributor or agent",
                        ));
                        None
                    }
                };
                if let Some(m) = self.buyer.contact_email.as_deref() {
                    e.check(validation::email("buyer.contact_email", m));
                }
                match (name, credit) {
                    (Some(name), Some(credit_code)) => Some(Buyer::Business {
                        kind: if kind == "agent" {
                            "agent"
                        } else {
                            "distributor"
                        },
                        name,
                        credit_code,
                        region: region.clone(),
                    }),
                    _ => None,
                }
            }
            other => {
                e.0.push(FieldError::new(
                    "buyer.type",
                    "unknown_buyer_type",
                    "买方类型须为 consumer、distributor 或 agent",
                    format!("`{other}` is not consumer, distributor or agent"),
                ));
                None
            }
        };
        if let Some(m) = self.shipping_method.as_deref()
            && !matches!(m, "pickup" | "courier" | "freight" | "own_delivery")
        {
            e.0.push(FieldError::new(
                "shipping_method",
                "unknown_method",
                "配送方式须为 pickup、courier、freight 或 own_delivery",
                format!("`{m}` is not pickup, courier, freight or own_delivery"),
            ));
        }
        if self.items.is_empty() || self.items.len() > 10_000 {
            e.0.push(FieldError::new(
                "items",
                "count",
                "请提供 1 到 10000 个货品",
                "give 1 to 10000 items",
            ));
        }
        let mut items = Vec::new();
        for (i, item) in self.items.iter().enumerate() {
            let text = match (&item.code, &item.gtin) {
                (Some(c), None) => Some(c.clone()),
                (None, Some(g)) => Some(match &item.batch {
                    Some(b) => format!("(01){}(10){b}", g.trim()),
                    None => g.trim().to_owned(),
                }),
                _ => {
                    e.0.push(FieldError::new(
                        format!("items[{i}]"),
                        "code_or_gtin",
                        "每个货品须填写 code，或 gtin（加 batch 和 quantity）",
                        "give either `code`, or `gtin` with `batch` and `quantity`",
                    ));
                    None
                }
            };
            if let Some(q) = item.quantity
                && !(q > 0.0 && q.is_finite() && q <= 1e9)
            {
                e.0.push(FieldError::new(
                    format!("items[{i}].quantity"),
                    "invalid_quantity",
                    "数量须大于 0",
                    "must be greater than 0",
                ));
            }
            if let Some(text) = text
                && let Some(code) = e.check(TraceCode::parse(&text).map_err(|err| {
                    FieldError::new(
                        format!("items[{i}]"),
                        err.code(),
                        err.message_zh(),
                        err.to_string(),
                    )
                }))
            {
                items.push((code, item.quantity));
            }
        }
        e.finish()?;
        let (Some(category), Some(sold_at), Some(buyer)) = (category, sold_at, buyer) else {
            return Err(vec![FieldError::new(
                "body",
                "invalid",
                "输入有误",
                "invalid input",
            )]);
        };
        Ok(NewSale {
            category,
            sold_at,
            buyer,
            shipping_method: self.shipping_method,
            tracking_number: self.tracking_number,
            voucher_number: self.voucher_number,
            items,
            transfer: TransferTerms {
                contact_email: self.buyer.contact_email,
                valid_for,
                sealing_key,
            },
        })
    }
}
