//! One code's pages (receive and sell): the code from `?code=` or the posted form, what the
//! ledger knows of it for pre-filling, the fields a form of one code begins with, and the page
//! for a code that does not parse.

use super::forms::{categories, field, owned};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse};
use std::collections::HashMap;
use suyuan_core::codes::TraceCode;
use suyuan_core::validation::FieldError;
use suyuan_store::trace;
use suyuan_web::AppState;
use suyuan_web::error::ApiError;
use suyuan_web::page::page_response;
use suyuan_widgets::{AppPage, Bi, FieldKind, FormField, Lang, Notice, NoticeKind};

/// Product facts for pre-filling: from the latest receipt naming the code, anywhere, and the
/// last business that shipped it (the likely supplier).
#[derive(Default)]
pub(crate) struct Prefill {
    pub(crate) category: Option<String>,
    pub(crate) product_name: Option<String>,
    pub(crate) model: Option<String>,
    pub(crate) producer: Option<String>,
    pub(crate) certificate_number: Option<String>,
    pub(crate) supplier_name: Option<String>,
    pub(crate) supplier_credit_code: Option<String>,
}

/// What the ledger knows of `code`, for pre-filling its forms.
pub(crate) async fn prefill(state: &AppState, code: &TraceCode) -> Result<Prefill, ApiError> {
    let facts = trace::facts(&state.db, code).await?;
    let ext = |j: &serde_json::Value, k: &str| {
        j.get(format!("suyuan:{k}"))
            .and_then(serde_json::Value::as_str)
            .map(str::to_owned)
    };
    let receipt = facts
        .events
        .iter()
        .rev()
        .find(|e| e.row.record_kind == "receipt" && !e.corrected);
    let shipment = facts
        .events
        .iter()
        .rev()
        .find(|e| e.row.record_kind == "shipment" && !e.corrected);
    Ok(Prefill {
        category: facts
            .events
            .iter()
            .rev()
            .find_map(|e| e.row.category_id.clone()),
        product_name: receipt.and_then(|r| ext(&r.json, "productName")),
        model: receipt.and_then(|r| ext(&r.json, "model")),
        producer: receipt.and_then(|r| ext(&r.json, "producer")),
        certificate_number: receipt.and_then(|r| ext(&r.json, "certificate")),
        supplier_name: shipment.map(|s| s.seller.name.clone()),
        supplier_credit_code: shipment.map(|s| s.seller.credit_code.clone()),
    })
}

fn code_param(req: &HttpRequest) -> Option<String> {
    url::form_urlencoded::parse(req.query_string().as_bytes())
        .find(|(k, _)| k == "code")
        .map(|(_, v)| v.trim().to_owned())
        .filter(|v| !v.is_empty())
}

/// A code that does not parse, and why.
pub(crate) struct BadCode {
    raw: String,
    zh: String,
    en: String,
}

impl BadCode {
    /// The page that says so (400).
    pub(crate) fn page(&self, state: &AppState, lang: Lang) -> HttpResponse {
        let BadCode { raw, zh, en } = self;
        page_response(
            StatusCode::BAD_REQUEST,
            state,
            &AppPage {
                title: Bi::new("无法识别的码", "Not a trace code"),
                notices: vec![Notice {
                    kind: NoticeKind::Error,
                    text: Bi::new(format!("{raw}：{zh}"), format!("{raw}: {en}")),
                }],
                links: vec![("/app/scan".into(), Bi::new("扫码入库", "Scan in"))],
                ..Default::default()
            },
            lang,
            vec![],
        )
    }
}

fn parse_code(raw: &str) -> Result<TraceCode, BadCode> {
    TraceCode::parse(raw).map_err(|e| BadCode {
        raw: raw.to_owned(),
        zh: e.message_zh(),
        en: e.to_string(),
    })
}

/// The code of `?code=…` and what the ledger knows of it, or (`Err`) why it is not a code.
pub(crate) async fn requested_code(
    state: &AppState,
    req: &HttpRequest,
) -> Result<Result<(TraceCode, Prefill), BadCode>, ApiError> {
    let code = match parse_code(&code_param(req).unwrap_or_default()) {
        Ok(c) => c,
        Err(bad) => return Ok(Err(bad)),
    };
    let pre = prefill(state, &code).await?;
    Ok(Ok((code, pre)))
}

/// The code a receive or sell form posted, or (`Err`) why it is not a code.
pub(crate) fn posted_code(form: &HashMap<String, String>) -> Result<TraceCode, BadCode> {
    parse_code(field(form, "code").unwrap_or_default())
}

/// The quantity posted for a batch code (a unit code has none): a number greater than 0.
pub(crate) fn posted_quantity(
    form: &HashMap<String, String>,
    code: &TraceCode,
) -> Result<Option<f64>, FieldError> {
    if code.is_unit_level() {
        return Ok(None);
    }
    match field(form, "quantity").map(str::parse::<f64>) {
        Some(Ok(q)) if q > 0.0 && q.is_finite() => Ok(Some(q)),
        _ => Err(FieldError::new(
            "quantity",
            "invalid_quantity",
            "数量须为大于 0 的数字",
            "must be a number greater than 0",
        )),
    }
}

/// The fields a receive and a sell form of one code begin with: the code (hidden), its
/// category, and for a batch code the quantity.
pub(crate) fn code_fields(
    state: &AppState,
    code: &TraceCode,
    pre: &Prefill,
    values: &HashMap<String, String>,
) -> Vec<FormField> {
    let mut fields = vec![
        FormField::new("code", Bi::default(), FieldKind::Hidden).value(Some(code.to_string())),
        FormField::new(
            "category",
            Bi::new("产品类别", "Category"),
            categories(state),
        )
        .value(owned(values, "category").or_else(|| pre.category.clone()))
        .required(),
    ];
    if !code.is_unit_level() {
        fields.push(
            FormField::new("quantity", Bi::new("数量", "Quantity"), FieldKind::Number)
                .value(owned(values, "quantity").or_else(|| Some("1".into())))
                .required(),
        );
    }
    fields
}

/// The code, GTIN, batch and serial, as a page's facts.
pub(crate) fn code_facts(code: &TraceCode) -> Vec<(Bi, String)> {
    let mut f = vec![(Bi::new("追溯码", "Code"), code.to_string())];
    if let Some(g) = code.gtin() {
        f.push((Bi::new("商品条码 GTIN", "GTIN"), g.to_gtin14()));
    }
    if let Some(b) = code.batch() {
        f.push((Bi::new("批号", "Batch"), b.to_owned()));
    }
    if let Some(s) = code.serial() {
        f.push((Bi::new("序列号", "Serial"), s.to_owned()));
    }
    f
}
