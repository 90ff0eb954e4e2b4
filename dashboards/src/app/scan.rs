//! `/app/scan`: the scanner page. A USB or Bluetooth scanner types each code and Enter; each is
//! checked at once (`/app/scan/check`), and "finish" records the carton as one receipt (channel
//! `scanner`).

use super::ToScanPage;
use super::code::Prefill;
use super::forms::{attach_errors, categories, field, inspection_fields, owned, supplier_fields};
use super::outcome::{Done, done_page, warnings_notices};
use super::receive::record_receipt;
use crate::app::seller_id;
use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use serde::Deserialize;
use std::collections::HashMap;
use suyuan_core::codes::TraceCode;
use suyuan_core::receipt::ItemIn;
use suyuan_core::validation::FieldError;
use suyuan_store::entity::seller;
use suyuan_store::stock;
use suyuan_web::AppState;
use suyuan_web::csrf::{self, CsrfHeader, CsrfToken};
use suyuan_web::error::ApiError;
use suyuan_web::page::{lang_of, lang_query, page_response};
use suyuan_web::session::{Refuse, SellerForm, SellerSession};
use suyuan_widgets::{
    AppPage, Bi, FieldKind, FormField, FormView, Lang, Notice, NoticeKind, ScannerView,
};

fn scan_form(
    state: &AppState,
    csrf: String,
    lang: Lang,
    values: &HashMap<String, String>,
) -> FormView {
    let mut fields = vec![
        FormField::new(
            "category",
            Bi::new("产品类别", "Category"),
            categories(state),
        )
        .value(owned(values, "category"))
        .required(),
    ];
    fields.extend(supplier_fields(values, &Prefill::default(), true));
    fields.extend(inspection_fields(None, values));
    fields.push(
        FormField::new(
            "codes",
            Bi::new(
                "本箱已扫的码（每行一个）",
                "Codes scanned in this carton (one per line)",
            ),
            FieldKind::TextArea,
        )
        .value(owned(values, "codes"))
        .required(),
    );
    FormView {
        id: "finish".into(),
        action: format!("/app/scan{}", lang_query(lang)),
        heading: Some(Bi::new("完成本箱入库", "Finish this carton")),
        csrf,
        fields,
        submit: Bi::new("完成入库", "Finish and record"),
    }
}

fn scanner(csrf: String) -> ScannerView {
    ScannerView {
        check_url: "/app/scan/check".into(),
        csrf,
    }
}

/// `GET /app/scan`: the scanner page.
#[get("/app/scan")]
pub async fn scan_page(
    req: HttpRequest,
    state: web::Data<AppState>,
    SellerSession { seller: me, .. }: SellerSession,
    CsrfToken { token, cookie }: CsrfToken,
) -> HttpResponse {
    let lang = lang_of(&req);
    let page = AppPage {
        title: Bi::new("扫码入库", "Scan a carton in"),
        signed_in_as: Some(me.name),
        intro: vec![Bi::new(
            "逐个扫描箱内商品的码，每个码立即校验；全部扫完后填写供货信息并完成入库。",
            "Scan each item of the carton; every code is checked at once. When done, fill in the supplier and finish.",
        )],
        scanner: Some(scanner(token.clone())),
        forms: vec![scan_form(&state, token, lang, &HashMap::new())],
        links: vec![("/app/transfers".into(), Bi::new("调拨与认领", "Transfers"))],
        ..Default::default()
    };
    let cookies = cookie.into_iter().collect();
    page_response(StatusCode::OK, &state, &page, lang, cookies)
}

/// One scanned code to check.
#[derive(Debug, Deserialize)]
pub struct CheckIn {
    /// The code as scanned.
    pub code: String,
    /// Codes already accepted in this carton.
    #[serde(default)]
    pub seen: Vec<String>,
}

/// The verdict on one scanned code.
struct Check {
    ok: bool,
    code: String,
    reason: &'static str,
    zh: String,
    en: String,
}

impl Check {
    fn fine(code: String) -> Self {
        Check {
            ok: true,
            code,
            reason: "ok",
            zh: String::new(),
            en: String::new(),
        }
    }

    fn refused(
        code: String,
        reason: &'static str,
        zh: impl Into<String>,
        en: impl Into<String>,
    ) -> Self {
        Check {
            ok: false,
            code,
            reason,
            zh: zh.into(),
            en: en.into(),
        }
    }
}

/// Checks one scanned code: does it parse, is it a duplicate in this carton, was it already
/// received here, did another seller receive it without a sale.
async fn check(state: &AppState, me: &seller::Model, body: &CheckIn) -> Result<Check, ApiError> {
    let raw = body.code.trim();
    let code = match TraceCode::parse(raw) {
        Ok(c) => c,
        Err(e) => {
            return Ok(Check::refused(
                raw.to_owned(),
                e.code(),
                e.message_zh(),
                e.to_string(),
            ));
        }
    };
    let canonical = code.to_string();
    if !code.is_unit_level() {
        return Ok(Check::fine(canonical));
    }
    if body
        .seen
        .iter()
        .any(|s| TraceCode::parse(s).is_ok_and(|c| c.to_string() == canonical))
    {
        return Ok(Check::refused(
            canonical,
            "duplicate_in_carton",
            "本箱已扫过此码",
            "already scanned in this carton",
        ));
    }
    let id = seller_id(me)?;
    let h = stock::unit_history(&state.db, &id, &canonical).await?;
    if h.received_here > 0 && h.sold_here <= 0 {
        return Ok(Check::refused(
            canonical,
            "already_received_here",
            "此码已在本店入库",
            "already received here",
        ));
    }
    if h.received_by.iter().any(|s| s != &me.id) && h.sold_anywhere == 0 {
        return Ok(Check::refused(
            canonical,
            "received_by_another_seller",
            "此码已由其他销售者入库且无销售记录，可能为仿冒码",
            "another seller received this code and never sold it: possibly a cloned code",
        ));
    }
    Ok(Check::fine(canonical))
}

/// `POST /app/scan/check` (JSON, same-origin with `X-CSRF-Token`): checks one scanned code —
/// does it parse, is it a duplicate in this carton, was it already received here, did another
/// seller receive it without a sale.
#[post("/app/scan/check")]
pub async fn scan_check(
    _: CsrfHeader,
    SellerSession { seller: me, .. }: SellerSession<Refuse>,
    state: web::Data<AppState>,
    body: web::Json<CheckIn>,
) -> Result<HttpResponse, ApiError> {
    let c = check(&state, &me, &body).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(serde_json::json!({
            "ok": c.ok, "code": c.code, "reason": c.reason,
            "message_zh": c.zh, "message_en": c.en,
        })))
}

/// The items of a carton's scanned codes (one per whitespace-separated word): unit codes once
/// each, batch codes counted; and the codes in the order first scanned.
fn carton(scanned: &str) -> (Vec<ItemIn>, Vec<String>) {
    let mut items: Vec<ItemIn> = Vec::new();
    let mut codes: Vec<String> = Vec::new();
    for raw in scanned.split_whitespace() {
        let key = TraceCode::parse(raw).map_or_else(|_| raw.to_owned(), |c| c.to_string());
        let unit = TraceCode::parse(raw).is_ok_and(|c| c.is_unit_level());
        match items
            .iter_mut()
            .find(|i| i.code.as_deref() == Some(key.as_str()))
        {
            Some(i) if !unit => i.quantity = Some(i.quantity.unwrap_or(1.0) + 1.0),
            Some(_) => {}
            None => {
                codes.push(key.clone());
                items.push(ItemIn {
                    code: Some(key),
                    gtin: None,
                    batch: None,
                    quantity: (!unit).then_some(1.0),
                    unit: None,
                });
            }
        }
    }
    (items, codes)
}

/// `POST /app/scan`: finishes the carton: one receipt (channel `scanner`) with every code.
#[post("/app/scan")]
pub async fn scan_finish(
    req: HttpRequest,
    state: web::Data<AppState>,
    SellerForm {
        seller: me, form, ..
    }: SellerForm<ToScanPage>,
) -> Result<HttpResponse, ApiError> {
    let lang = lang_of(&req);
    let (items, codes) = carton(field(&form, "codes").unwrap_or_default());
    match record_receipt(&state, &me, &form, "scanner", items).await? {
        Ok(done) => {
            let page = done_page(
                &me,
                Done {
                    title: Bi::new("本箱已入库", "Carton received"),
                    message: Bi::new(
                        format!("已登记收货 {} 个码", codes.len()),
                        format!("Receipt recorded: {} codes", codes.len()),
                    ),
                    extra: warnings_notices(&done.warnings),
                    event_id: done.stored.id.as_str().to_owned(),
                    codes,
                    links: vec![("/app/scan".into(), Bi::new("扫下一箱", "Next carton"))],
                },
            );
            Ok(page_response(
                StatusCode::CREATED,
                &state,
                &page,
                lang,
                vec![],
            ))
        }
        Err(errors) => {
            let token = csrf::token(&state, &req).token;
            let page = refused_carton_page(&state, me, token, &form, &errors, lang);
            Ok(page_response(
                StatusCode::UNPROCESSABLE_ENTITY,
                &state,
                &page,
                lang,
                vec![],
            ))
        }
    }
}

/// The scanner page again, with the carton's form and what needs correcting.
fn refused_carton_page(
    state: &AppState,
    me: seller::Model,
    token: String,
    form: &HashMap<String, String>,
    errors: &[FieldError],
    lang: Lang,
) -> AppPage {
    let mut f = scan_form(state, token.clone(), lang, form);
    let notices = attach_errors(&mut f, errors);
    AppPage {
        title: Bi::new("扫码入库", "Scan a carton in"),
        signed_in_as: Some(me.name),
        notices: std::iter::once(Notice {
            kind: NoticeKind::Error,
            text: Bi::new(
                "未入库：请更正后重试",
                "Not recorded: correct and try again",
            ),
        })
        .chain(notices)
        .collect(),
        scanner: Some(scanner(token)),
        forms: vec![f],
        ..Default::default()
    }
}
