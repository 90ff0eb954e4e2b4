//! Incoming inspection (进货查验, guide 5.2 to 5.4): a receipt as the seller gives it (over the API,
//! a phone page, a claimed transfer or a CSV row), parsed once into a [`NewReceipt`] that names
//! every bad field.

use crate::catalogue::CategoryId;
use crate::china_time;
use crate::codes::TraceCode;
use crate::credit_code::CreditCode;
use crate::validation::{self, Errors, FieldError};
use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// How a receipt was captured (guide 5.3: choose a scanning tool).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// An API or WMS integration (one scan does stock-in and trace entry).
    Api,
    /// A warehouse management system.
    Wms,
    /// A phone scanning the product QR.
    PhoneScan,
    /// A USB/Bluetooth barcode scanner.
    Scanner,
    /// A CSV import.
    Csv,
    /// A claimed B2B transfer.
    Claim,
}

/// The result of the inspection.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InspectionResult {
    /// All accepted.
    Accepted,
    /// All rejected.
    Rejected,
    /// Some accepted.
    PartlyAccepted,
}

/// One received item: a unit code, or a class (GTIN + batch) with a quantity, or a reel with
/// its length.
#[derive(Clone, Debug)]
pub struct ReceivedItem {
    /// The code.
    pub code: TraceCode,
    /// For a class or a reel: how many (or how long).
    pub quantity: Option<f64>,
    /// Unit of measure (UN/CEFACT rec 20: H87 pieces, MTR metres, TNE tonnes…).
    pub uom: Option<String>,
}

/// A receipt, parsed.
#[derive(Clone, Debug)]
pub struct NewReceipt {
    /// Catalogue category.
    pub category: CategoryId,
    /// Supplier's name.
    pub supplier_name: Option<String>,
    /// Supplier's credit code.
    pub supplier_credit_code: Option<CreditCode>,
    /// Delivery note or invoice number.
    pub voucher_number: Option<String>,
    /// When the goods arrived.
    pub received_at: DateTime<FixedOffset>,
    /// Product name.
    pub product_name: Option<String>,
    /// Model.
    pub model: Option<String>,
    /// Producer.
    pub producer: Option<String>,
    /// Certificate number checked.
    pub certificate_number: Option<String>,
    /// Its check result (`valid`, `invalid`, `not_found`…).
    pub certificate_result: Option<String>,
    /// Inspection result.
    pub inspection: Option<InspectionResult>,
    /// Reasons (rejections).
    pub inspection_notes: Option<String>,
    /// Who inspected.
    pub inspector: Option<String>,
    /// How it was captured.
    pub channel: Channel,
    /// What arrived.
    pub items: Vec<ReceivedItem>,
    /// Why `received_at` lies further in the past than the installation's limit (kept in the
    /// record and shown with it).
    pub backdate_reason: Option<String>,
}

/// The supplier.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SupplierIn {
    /// Name.
    pub name: Option<String>,
    /// Unified social credit code.
    pub credit_code: Option<String>,
}

/// The certificate checked.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CertificateIn {
    /// CCC certificate or production licence number.
    pub number: String,
    /// `valid`, `invalid`, `expired`, `not_found`.
    pub result: String,
}

/// The inspection.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InspectionIn {
    /// `accepted`, `rejected` or `partly_accepted`.
    pub result: String,
    /// Reasons, when not all accepted.
    pub notes: Option<String>,
    /// Who inspected.
    pub inspector: Option<String>,
}

/// One item: a unit code, or a GTIN + batch with a quantity, or a reel with its length.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ItemIn {
    /// A code in any supported form (unit code with serial, or a batch code).
    pub code: Option<String>,
    /// GTIN (with `batch` and `quantity`, instead of `code`).
    pub gtin: Option<String>,
    /// Batch (lot).
    pub batch: Option<String>,
    /// Quantity (pieces, or metres for a reel).
    pub quantity: Option<f64>,
    /// Unit of measure (UN/CEFACT: H87 pieces, MTR metres, TNE tonnes).
    pub unit: Option<String>,
}

/// A receipt.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReceiptIn {
    /// Catalogue category.
    pub category: String,
    /// Supplier.
    pub supplier: Option<SupplierIn>,
    /// Delivery note or invoice number.
    pub voucher_number: Option<String>,
    /// When received (RFC 3339, or a date `2026-11-25` taken as noon China time). Default: now.
    pub received_at: Option<String>,
    /// Product name.
    pub product_name: Option<String>,
    /// Model.
    pub model: Option<String>,
    /// Producer.
    pub producer: Option<String>,
    /// Certificate checked.
    pub certificate: Option<CertificateIn>,
    /// Inspection.
    pub inspection: Option<InspectionIn>,
    /// `api`, `wms`, `phone_scan`, `scanner`, `csv` or `claim` (default `api`).
    pub channel: Option<String>,
    /// What arrived.
    pub items: Vec<ItemIn>,
    /// Required when `received_at` is further in the past than the installation allows
    /// (`SUYUAN_MAX_BACKDATE`, 30 days by default): why the receipt is recorded so late.
    #[serde(default)]
    pub backdate_reason: Option<String>,
}

/// The default of how far in the past an event time may lie without a reason.
pub const DEFAULT_MAX_BACKDATE: chrono::Duration = chrono::Duration::days(30);

/// Checks an event time against the back-dating limit: a time more than `max` before `now`
/// needs a reason (`reason_field`, at most 500 characters); the reason, when given, is kept.
pub fn check_backdate(
    time: DateTime<FixedOffset>,
    reason: Option<&str>,
    reason_field: &str,
    now: DateTime<Utc>,
    max: chrono::Duration,
) -> Result<Option<String>, FieldError> {
    let reason = match reason.map(str::trim).filter(|r| !r.is_empty()) {
        Some(r) => Some(validation::bounded_text(reason_field, r, 500)?),
        None => None,
    };
    if time.with_timezone(&Utc) < now - max && reason.is_none() {
        let days = max.num_days();
        return Err(FieldError::new(
            reason_field,
            "backdate_reason_required",
            format!("时间早于 {days} 天前，请说明补录原因"),
            format!("the time given is more than {days} days ago: say why it is recorded so late"),
        ));
    }
    Ok(reason)
}

/// Parses a time field as of `now`: RFC 3339, or a date taken as noon China time (today's date
/// before noon means `now`); refuses a time more than five minutes after `now`. Absent: `now`.
pub fn parse_time(
    field: &str,
    raw: Option<&str>,
    now: DateTime<Utc>,
) -> Result<DateTime<FixedOffset>, FieldError> {
    let t = match raw {
        None => china_time::in_china(now),
        Some(s) => match DateTime::parse_from_rfc3339(s) {
            Ok(t) => t,
            Err(_) => match NaiveDate::parse_from_str(s, "%Y-%m-%d") {
                Ok(d) => china_time::date_as_time(d, now),
                Err(_) => {
                    return Err(FieldError::new(
                        field,
                        "invalid_time",
                        "时间格式应为 2026-11-25 或 RFC 3339",
                        "must be a date like 2026-11-25 or an RFC 3339 time",
                    ));
                }
            },
        },
    };
    if t.with_timezone(&Utc) > now + chrono::Duration::minutes(5) {
        return Err(FieldError::new(
            field,
            "in_future",
            "收货时间不能晚于当前时间",
            "is in the future",
        ));
    }
    Ok(t)
}

fn opt_text(errors: &mut Errors, field: &str, v: Option<&str>, max: usize) -> Option<String> {
    v.and_then(|v| errors.check(validation::bounded_text(field, v, max)))
}

impl ReceiptIn {
    /// Parses every field as of `now`, naming each bad one; a `received_at` more than
    /// `max_backdate` before `now` needs a `backdate_reason`.
    pub fn parse(
        self,
        catalogue: &crate::catalogue::Catalogue,
        now: DateTime<Utc>,
        max_backdate: chrono::Duration,
    ) -> Result<NewReceipt, Vec<FieldError>> {
        let mut e = Errors::default();
        let category = e.check(
            CategoryId::parse(&self.category)
                .map_err(|err| {
                    FieldError::new(
                        "category",
                        "invalid_category",
                        err.message_zh(),
                        err.to_string(),
                    )
                })
                .and_then(|c| {
                    if catalogue.get(&c).is_some() {
                        Ok(c)
                    } else {
                        Err(FieldError::new(
                            "category",
                            "unknown_category",
                            format!("目录中没有类别 {}", self.category),
                            format!("`{}` is not a catalogue category", self.category),
                        ))
                    }
                }),
        );
        let supplier_name = opt_text(
            &mut e,
            "supplier.name",
            self.supplier.as_ref().and_then(|s| s.name.as_deref()),
            200,
        );
        let supplier_credit_code = self
            .supplier
            .as_ref()
            .and_then(|s| s.credit_code.as_deref())
            .and_then(|c| {
                e.check(CreditCode::parse(c).map_err(|err| {
                    FieldError::new(
                        "supplier.credit_code",
                        err.code(),
                        err.message_zh(),
                        err.to_string(),
                    )
                }))
            });
        let received_at = e.check(parse_time("received_at", self.received_at.as_deref(), now));
        let backdate_reason = received_at.and_then(|t| {
            e.check(check_backdate(
                t,
                self.backdate_reason.as_deref(),
                "backdate_reason",
                now,
                max_backdate,
            ))
        });
        let channel = match self.channel.as_deref().unwrap_or("api") {
            "api" => Some(Channel::Api),
            "wms" => Some(Channel::Wms),
            "phone_scan" => Some(Channel::PhoneScan),
            "scanner" => Some(Channel::Scanner),
            "csv" => Some(Channel::Csv),
            "claim" => Some(Channel::Claim),
            other => {
                e.0.push(FieldError::new(
                    "channel",
                    "unknown_channel",
                    "渠道须为 api、wms、phone_scan、scanner、csv 或 claim",
                    format!("`{other}` is not one of api, wms, phone_scan, scanner, csv, claim"),
                ));
                None
            }
        };
        let inspection = self
            .inspection
            .as_ref()
            .and_then(|i| match i.result.as_str() {
                "accepted" => Some(InspectionResult::Accepted),
                "rejected" => Some(InspectionResult::Rejected),
                "partly_accepted" => Some(InspectionResult::PartlyAccepted),
                other => {
                    e.0.push(FieldError::new(
                        "inspection.result",
                        "unknown_result",
                        "查验结果须为 accepted、rejected 或 partly_accepted",
                        format!("`{other}` is not accepted, rejected or partly_accepted"),
                    ));
                    None
                }
            });
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
            let field = format!("items[{i}]");
            let code = match (&item.code, &item.gtin) {
                (Some(c), None) => TraceCode::parse(c).map_err(|err| {
                    FieldError::new(
                        format!("{field}.code"),
                        err.code(),
                        err.message_zh(),
                        err.to_string(),
                    )
                }),
                (None, Some(g)) => {
                    let text = match &item.batch {
                        Some(b) => format!("(01){}(10){b}", g.trim()),
                        None => g.trim().to_owned(),
                    };
                    TraceCode::parse(&text).map_err(|err| {
                        FieldError::new(
                            format!("{field}.gtin"),
                            err.code(),
                            err.message_zh(),
                            err.to_string(),
                        )
                    })
                }
                _ => Err(FieldError::new(
                    field.clone(),
                    "code_or_gtin",
                    "每个货品须填写 code，或 gtin（加 batch 和 quantity）",
                    "give either `code`, or `gtin` with `batch` and `quantity`",
                )),
            };
            if let Some(q) = item.quantity
                && !(q > 0.0 && q.is_finite() && q <= 1e9)
            {
                e.0.push(FieldError::new(
                    format!("{field}.quantity"),
                    "invalid_quantity",
                    "数量须大于 0",
                    "must be greater than 0",
                ));
            }
            if let Some(code) = e.check(code) {
                items.push(ReceivedItem {
                    code,
                    quantity: item.quantity,
                    uom: item.unit.clone(),
                });
            }
        }
        let voucher_number = opt_text(&mut e, "voucher_number", self.voucher_number.as_deref(), 64);
        let product_name = opt_text(&mut e, "product_name", self.product_name.as_deref(), 200);
        let model = opt_text(&mut e, "model", self.model.as_deref(), 100);
        let producer = opt_text(&mut e, "producer", self.producer.as_deref(), 200);
        let certificate_number = opt_text(
            &mut e,
            "certificate.number",
            self.certificate.as_ref().map(|c| c.number.as_str()),
            64,
        );
        let certificate_result = opt_text(
            &mut e,
            "certificate.result",
            self.certificate.as_ref().map(|c| c.result.as_str()),
            32,
        );
        let inspection_notes = opt_text(
            &mut e,
            "inspection.notes",
            self.inspection.as_ref().and_then(|i| i.notes.as_deref()),
            1000,
        );
        let inspector = opt_text(
            &mut e,
            "inspection.inspector",
            self.inspection
                .as_ref()
                .and_then(|i| i.inspector.as_deref()),
            64,
        );
        e.finish()?;
        let (Some(category), Some(received_at), Some(channel)) = (category, received_at, channel)
        else {
            return Err(vec![FieldError::new(
                "body",
                "invalid",
                "输入有误",
                "invalid input",
            )]);
        };
        Ok(NewReceipt {
            category,
            supplier_name,
            supplier_credit_code,
            voucher_number,
            received_at,
            product_name,
            model,
            producer,
            certificate_number,
            certificate_result,
            inspection,
            inspection_notes,
            inspector,
            channel,
            items,
            backdate_reason: backdate_reason.flatten(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone as _};

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2031, 3, 1, 4, 0, 0).unwrap()
    }

    fn at(days_ago: i64) -> DateTime<FixedOffset> {
        china_time::in_china(now() - Duration::days(days_ago))
    }

    #[test]
    fn a_time_within_the_limit_needs_no_reason() {
        let r = check_backdate(at(29), None, "backdate_reason", now(), DEFAULT_MAX_BACKDATE);
        assert_eq!(r, Ok(None));
    }

    #[test]
    fn a_time_beyond_the_limit_without_a_reason_names_the_reason_field() {
        let err = check_backdate(at(31), None, "backdate_reason", now(), DEFAULT_MAX_BACKDATE)
            .unwrap_err();
        assert_eq!(err.field, "backdate_reason");
        assert_eq!(err.code, "backdate_reason_required");
        assert!(err.message_en.contains("30 days"), "{}", err.message_en);
        let blank = check_backdate(at(31), Some("  "), "r", now(), DEFAULT_MAX_BACKDATE);
        assert!(blank.is_err(), "a blank reason is no reason");
    }

    #[test]
    fn a_reason_is_kept_and_the_limit_is_the_callers() {
        let r = check_backdate(
            at(9000),
            Some(" 旧账补录 "),
            "backdate_reason",
            now(),
            DEFAULT_MAX_BACKDATE,
        );
        assert_eq!(r, Ok(Some("旧账补录".to_owned())));
        assert!(check_backdate(at(3), None, "r", now(), Duration::days(2)).is_err());
    }
}
