//! Incoming inspection (进货查验): `POST /api/v1/receipts` records a delivery and its checks and
//! answers the new stock; `GET /api/v1/stock` reads stock per GTIN and batch.

use super::field_errors;
use crate::auth::SellerAuth;
use crate::error::ApiError;
use crate::extract::JsonBody;
use crate::startup::AppState;
use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, FixedOffset, NaiveDate, TimeZone as _, Utc};
use serde::{Deserialize, Serialize};
use suyuan_core::catalogue::CategoryId;
use suyuan_core::codes::TraceCode;
use suyuan_core::credit_code::CreditCode;
use suyuan_core::validation::{self, Errors, FieldError};
use suyuan_store::receipts::{self, Channel, InspectionResult, NewReceipt, ReceivedItem};
use suyuan_store::stock;
use utoipa::ToSchema;

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
}

/// A recorded receipt.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReceiptOut {
    /// The trace event (`evt_…`).
    pub event_id: String,
    /// Position in the seller's chain.
    pub seq: i64,
    /// Required data elements missing (the record is kept; the seller should complete it).
    pub missing_elements: Vec<String>,
    /// Suspicious codes.
    #[schema(value_type = Vec<Object>)]
    pub warnings: Vec<receipts::CodeWarning>,
    /// Stock of the received GTINs, after this receipt.
    #[schema(value_type = Vec<Object>)]
    pub stock: Vec<stock::BatchStock>,
}

/// Parses a time field: RFC 3339, or a date taken as noon China time; refuses the future.
pub fn parse_time(field: &str, raw: Option<&str>) -> Result<DateTime<FixedOffset>, FieldError> {
    let cst = FixedOffset::east_opt(8 * 3600)
        .ok_or_else(|| FieldError::new(field, "internal", "时区错误", "time zone error"))?;
    let t = match raw {
        None => Utc::now().with_timezone(&cst),
        Some(s) => match DateTime::parse_from_rfc3339(s) {
            Ok(t) => t,
            Err(_) => match NaiveDate::parse_from_str(s, "%Y-%m-%d") {
                Ok(d) => {
                    // A bare date means noon China time; today's date, before noon, means now.
                    let now = Utc::now().with_timezone(&cst);
                    let noon = cst
                        .from_local_datetime(&d.and_hms_opt(12, 0, 0).unwrap_or_default())
                        .single()
                        .ok_or_else(|| {
                            FieldError::new(field, "invalid_time", "时间无效", "invalid time")
                        })?;
                    if d == now.date_naive() && noon > now {
                        now
                    } else {
                        noon
                    }
                }
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
    if t.with_timezone(&Utc) > Utc::now() + chrono::Duration::minutes(5) {
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
    /// Parses every field, naming each bad one.
    pub fn parse(
        self,
        catalogue: &suyuan_core::catalogue::Catalogue,
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
        let received_at = e.check(parse_time("received_at", self.received_at.as_deref()));
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
        })
    }
}

/// Records a receipt with its certificate check and inspection.
#[utoipa::path(context_path = "/api/v1", tag = "receipts", request_body = ReceiptIn, security(("bearer" = [])),
    responses((status = 201, body = ReceiptOut), (status = 422, body = crate::error::Problem)))]
#[post("/receipts")]
pub async fn create_receipt(
    auth: SellerAuth,
    state: web::Data<AppState>,
    body: JsonBody<ReceiptIn>,
) -> Result<HttpResponse, ApiError> {
    let receipt = body.0.parse(&state.catalogue).map_err(field_errors)?;
    let recorded = receipts::record(&state.db, &state.catalogue, &auth.seller_id, receipt).await?;
    state
        .metrics
        .events_recorded
        .with_label_values(&["receipt"])
        .inc();
    Ok(HttpResponse::Created().json(ReceiptOut {
        event_id: recorded.stored.id.to_string(),
        seq: recorded.stored.seq,
        missing_elements: recorded
            .missing
            .iter()
            .map(|m| m.as_str().to_owned())
            .collect(),
        warnings: recorded.warnings,
        stock: recorded.stock,
    }))
}

/// The seller's stock per GTIN and batch.
#[utoipa::path(context_path = "/api/v1", tag = "receipts", security(("bearer" = [])), responses((status = 200, description = "stock per GTIN and batch")))]
#[get("/stock")]
pub async fn get_stock(
    auth: SellerAuth,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let batches = stock::all_batches(&state.db, &auth.seller_id).await?;
    Ok(HttpResponse::Ok().json(batches))
}
