//! `/app/receive?code=…`: a receipt of one code (the trace page's "receive" action), pre-filled
//! from what the ledger knows of the code, recorded with channel `phone_scan`.

use super::ToScanPage;
use super::code::{Prefill, code_facts, code_fields, posted_code, posted_quantity, requested_code};
use super::forms::{inspection_fields, receipt_in, supplier_fields};
use super::outcome::{Done, code_links, done_page, refused_page, warnings_notices};
use crate::app::seller_id;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use std::collections::HashMap;
use suyuan_core::codes::TraceCode;
use suyuan_core::receipt::ItemIn;
use suyuan_core::validation::FieldError;
use suyuan_store::entity::seller;
use suyuan_store::receipts;
use suyuan_web::AppState;
use suyuan_web::csrf::{self, CsrfToken};
use suyuan_web::error::ApiError;
use suyuan_web::page::{lang_of, lang_query, page_response};
use suyuan_web::session::{SellerForm, SellerSession};
use suyuan_widgets::{AppPage, Bi, FormView, Lang};

fn receive_form(
    state: &AppState,
    csrf: String,
    lang: Lang,
    code: &TraceCode,
    pre: &Prefill,
    values: &HashMap<String, String>,
) -> FormView {
    let mut fields = code_fields(state, code, pre, values);
    fields.extend(supplier_fields(values, pre, false));
    fields.extend(inspection_fields(pre.certificate_number.clone(), values));
    FormView {
        id: "receive".into(),
        action: format!("/app/receive{}", lang_query(lang)),
        heading: Some(Bi::new("进货查验", "Incoming inspection")),
        csrf,
        fields,
        submit: Bi::new("确认入库", "Record receipt"),
    }
}

/// Records a receive or scan form as a receipt of `items`; `Err` holds what needs correcting.
pub(crate) async fn record_receipt(
    state: &AppState,
    me: &seller::Model,
    form: &HashMap<String, String>,
    channel: &str,
    items: Vec<ItemIn>,
) -> Result<Result<receipts::RecordedReceipt, Vec<FieldError>>, ApiError> {
    let input = match receipt_in(form, channel, items).parse(
        &state.catalogue,
        chrono::Utc::now(),
        state.max_backdate,
    ) {
        Ok(i) => i,
        Err(errors) => return Ok(Err(errors)),
    };
    let id = seller_id(me)?;
    let done = receipts::record(&state.db, &state.catalogue, &id, input).await?;
    state
        .metrics
        .events_recorded
        .with_label_values(&["receipt"])
        .inc();
    Ok(Ok(done))
}

/// `GET /app/receive?code=…`: a receipt of one code, pre-filled.
#[get("/app/receive")]
pub async fn receive_page(
    req: HttpRequest,
    state: web::Data<AppState>,
    SellerSession { seller: me, .. }: SellerSession,
    CsrfToken { token, cookie }: CsrfToken,
) -> Result<HttpResponse, ApiError> {
    let lang = lang_of(&req);
    let (code, pre) = match requested_code(&state, &req).await? {
        Ok(found) => found,
        Err(bad) => return Ok(bad.page(&state, lang)),
    };
    let form = receive_form(&state, token, lang, &code, &pre, &HashMap::new());
    let page = AppPage {
        title: Bi::new("接收入库", "Receive into stock"),
        signed_in_as: Some(me.name),
        facts: code_facts(&code),
        forms: vec![form],
        ..Default::default()
    };
    let cookies = cookie.into_iter().collect();
    Ok(page_response(StatusCode::OK, &state, &page, lang, cookies))
}

/// `POST /app/receive`: records the receipt (channel `phone_scan`).
#[post("/app/receive")]
pub async fn receive(
    req: HttpRequest,
    state: web::Data<AppState>,
    SellerForm {
        seller: me, form, ..
    }: SellerForm<ToScanPage>,
) -> Result<HttpResponse, ApiError> {
    let lang = lang_of(&req);
    let code = match posted_code(&form) {
        Ok(code) => code,
        Err(bad) => return Ok(bad.page(&state, lang)),
    };
    let result = match posted_quantity(&form, &code) {
        Ok(quantity) => {
            record_receipt(&state, &me, &form, "phone_scan", one_item(&code, quantity)).await?
        }
        Err(e) => Err(vec![e]),
    };
    match result {
        Ok(done) => Ok(page_response(
            StatusCode::CREATED,
            &state,
            &received_page(&me, &code, &done),
            lang,
            vec![],
        )),
        Err(errors) => {
            let pre = super::code::prefill(&state, &code).await?;
            let token = csrf::token(&state, &req).token;
            let form = receive_form(&state, token, lang, &code, &pre, &form);
            let title = Bi::new("接收入库", "Receive into stock");
            Ok(refused_page(
                &state, title, me.name, &code, form, &errors, lang,
            ))
        }
    }
}

fn one_item(code: &TraceCode, quantity: Option<f64>) -> Vec<ItemIn> {
    vec![ItemIn {
        code: Some(code.to_string()),
        gtin: None,
        batch: None,
        quantity,
        unit: None,
    }]
}

fn received_page(
    me: &seller::Model,
    code: &TraceCode,
    done: &receipts::RecordedReceipt,
) -> AppPage {
    done_page(
        me,
        Done {
            title: Bi::new("已入库", "Received"),
            message: Bi::new(
                "收货记录已登记，库存已更新",
                "The receipt is recorded and stock updated",
            ),
            extra: warnings_notices(&done.warnings),
            event_id: done.stored.id.as_str().to_owned(),
            codes: vec![code.to_string()],
            links: code_links(code),
        },
    )
}
