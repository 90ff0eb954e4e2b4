//! `/app/sell?code=…`: a sale of one code (the trace page's "sell" action), pre-filled from what
//! the ledger knows of the code. A sale to a distributor or agent shows the claim link and its QR
//! code for the buyer.

use super::ToScanPage;
use super::code::{Prefill, code_facts, code_fields, posted_code, posted_quantity, requested_code};
use super::forms::{owned, regions};
use super::outcome::{Done, code_links, done_page, refused_page};
use crate::app::seller_id;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use std::collections::HashMap;
use suyuan_core::codes::TraceCode;
use suyuan_core::validation::FieldError;
use suyuan_store::entity::seller;
use suyuan_store::offline::{self, NewSale, RegisteredSale};
use suyuan_web::AppState;
use suyuan_web::csrf::{self, CsrfToken};
use suyuan_web::error::ApiError;
use suyuan_web::page::{lang_of, lang_query, page_response};
use suyuan_web::session::{SellerForm, SellerSession};
use suyuan_widgets::{AppPage, Bi, FieldKind, FormField, FormView, Lang};

fn sell_form(
    state: &AppState,
    csrf: String,
    lang: Lang,
    code: &TraceCode,
    pre: &Prefill,
    values: &HashMap<String, String>,
) -> FormView {
    let mut fields = code_fields(state, code, pre, values);
    fields.extend([
        FormField::new(
            "buyer_type",
            Bi::new("买方类型", "Buyer"),
            FieldKind::Select(vec![
                ("consumer".into(), Bi::new("消费者", "Consumer")),
                ("distributor".into(), Bi::new("经销商", "Distributor")),
                ("agent".into(), Bi::new("代理商", "Agent")),
            ]),
        )
        .value(owned(values, "buyer_type").or_else(|| Some("consumer".into())))
        .required(),
        FormField::new(
            "region",
            Bi::new("销售地区（省）", "Region (province)"),
            regions(),
        )
        .value(owned(values, "region"))
        .hint(Bi::new(
            "消费者只记录地区，不记录个人信息",
            "For a consumer only the region is kept, no personal data",
        )),
        FormField::new(
            "buyer_name",
            Bi::new(
                "买方名称（经销商/代理商）",
                "Buyer's name (distributor/agent)",
            ),
            FieldKind::Text,
        )
        .value(owned(values, "buyer_name")),
        FormField::new(
            "buyer_credit_code",
            Bi::new("买方统一社会信用代码", "Buyer's credit code"),
            FieldKind::Text,
        )
        .value(owned(values, "buyer_credit_code")),
        FormField::new(
            "buyer_contact_email",
            Bi::new(
                "买方联系邮箱（用于认领提醒）",
                "Buyer's e-mail (claim reminders)",
            ),
            FieldKind::Email,
        )
        .value(owned(values, "buyer_contact_email")),
        FormField::new(
            "shipping_method",
            Bi::new("配送方式", "Shipping"),
            FieldKind::Select(vec![
                (String::new(), Bi::new("（无）", "(none)")),
                ("pickup".into(), Bi::new("自提", "Pickup")),
                ("courier".into(), Bi::new("快递", "Courier")),
                ("freight".into(), Bi::new("物流货运", "Freight")),
                ("own_delivery".into(), Bi::new("自行配送", "Own delivery")),
            ]),
        )
        .value(owned(values, "shipping_method")),
        FormField::new(
            "tracking_number",
            Bi::new("运单号", "Tracking number"),
            FieldKind::Text,
        )
        .value(owned(values, "tracking_number")),
        FormField::new(
            "voucher_number",
            Bi::new("销售凭证号", "Receipt / invoice no."),
            FieldKind::Text,
        )
        .value(owned(values, "voucher_number")),
    ]);
    FormView {
        id: "sell".into(),
        action: format!("/app/sell{}", lang_query(lang)),
        heading: Some(Bi::new("销售登记", "Sale registration")),
        csrf,
        fields,
        submit: Bi::new("登记销售", "Register the sale"),
    }
}

/// `GET /app/sell?code=…`: a sale of one code, pre-filled.
#[get("/app/sell")]
pub async fn sell_page(
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
    let mut facts = code_facts(&code);
    if let Some(p) = &pre.product_name {
        facts.push((Bi::new("产品名称", "Product"), p.clone()));
    }
    let page = AppPage {
        title: Bi::new("登记销售", "Register a sale"),
        signed_in_as: Some(me.name),
        facts,
        forms: vec![sell_form(&state, token, lang, &code, &pre, &HashMap::new())],
        ..Default::default()
    };
    let cookies = cookie.into_iter().collect();
    Ok(page_response(StatusCode::OK, &state, &page, lang, cookies))
}

/// The sell form as the API's [`SaleIn`](suyuan_core::sale::SaleIn), parsed by the API's
/// own checks; errors come back named after the form's fields. The sale is dated now.
fn parse_sale(
    form: &HashMap<String, String>,
    code: &TraceCode,
    state: &AppState,
) -> Result<NewSale, Vec<FieldError>> {
    use suyuan_core::sale::{BuyerIn, SaleIn, SaleItemIn};
    let mut errors = Vec::new();
    let quantity = posted_quantity(form, code).unwrap_or_else(|e| {
        errors.push(e);
        None
    });
    let input = SaleIn {
        category: owned(form, "category").unwrap_or_default(),
        sold_at: None,
        buyer: BuyerIn {
            kind: owned(form, "buyer_type").unwrap_or_else(|| "consumer".into()),
            region: owned(form, "region"),
            name: owned(form, "buyer_name"),
            credit_code: owned(form, "buyer_credit_code"),
            contact_email: owned(form, "buyer_contact_email"),
        },
        shipping_method: owned(form, "shipping_method"),
        tracking_number: owned(form, "tracking_number"),
        voucher_number: owned(form, "voucher_number"),
        items: vec![SaleItemIn {
            code: Some(code.to_string()),
            gtin: None,
            batch: None,
            quantity,
        }],
    };
    let parsed = input.parse(
        &state.catalogue,
        state.transfers.ttl,
        Some(state.secret_key.clone()),
        chrono::Utc::now(),
    );
    match parsed {
        Ok(sale) if errors.is_empty() => Ok(sale),
        Ok(_) => Err(errors),
        Err(found) => {
            errors.extend(found.into_iter().map(|mut e| {
                e.field = match e.field.as_str() {
                    "buyer.region" => "region".into(),
                    f if f.ends_with(".quantity") => "quantity".into(),
                    f => f.replace('.', "_"),
                };
                e
            }));
            Err(errors)
        }
    }
}

/// `POST /app/sell`: registers the sale; a sale to a distributor or agent shows the claim link
/// and its QR code for the buyer.
#[post("/app/sell")]
pub async fn sell(
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
    let id = seller_id(&me)?;
    let errors = match parse_sale(&form, &code, &state) {
        Ok(sale) => match offline::register(&state.db, &state.catalogue, &id, sale).await? {
            Ok(done) => {
                state
                    .metrics
                    .events_recorded
                    .with_label_values(&[done.stored.row.record_kind.as_str()])
                    .inc();
                let page = sold_page(&state, &me, &code, &done);
                return Ok(page_response(
                    StatusCode::CREATED,
                    &state,
                    &page,
                    lang,
                    vec![],
                ));
            }
            Err(problems) => problems
                .into_iter()
                .map(|p| FieldError::new("code", p.reason, p.message_zh, p.message_en))
                .collect::<Vec<_>>(),
        },
        Err(errors) => errors,
    };
    let pre = super::code::prefill(&state, &code).await?;
    let token = csrf::token(&state, &req).token;
    let form = sell_form(&state, token, lang, &code, &pre, &form);
    let title = Bi::new("登记销售", "Register a sale");
    Ok(refused_page(
        &state, title, me.name, &code, form, &errors, lang,
    ))
}

/// The page of a registered sale; with a transfer, its claim link and QR code for the buyer.
fn sold_page(
    state: &AppState,
    me: &seller::Model,
    code: &TraceCode,
    done: &RegisteredSale,
) -> AppPage {
    let mut page = done_page(
        me,
        Done {
            title: Bi::new("已登记销售", "Sale registered"),
            message: Bi::new("销售记录已登记", "The sale is recorded"),
            extra: vec![],
            event_id: done.stored.id.as_str().to_owned(),
            codes: vec![code.to_string()],
            links: code_links(code),
        },
    );
    if let Some(t) = &done.transfer {
        let url = suyuan_web::links::claim_url(&state.public_url, &t.token);
        page.intro.push(Bi::new(
            "请把下面的认领链接或二维码发给买方：买方打开后即可确认收货，货品信息自动填入其进货记录。",
            "Give the buyer this claim link or QR code: opening it, they confirm receipt and the goods go into their records pre-filled.",
        ));
        page.facts
            .push((Bi::new("认领链接", "Claim link"), url.clone()));
        page.qr = Some((
            format!("/claim/{}/qr.svg", t.token),
            Bi::new("买方扫码认领", "The buyer scans to claim"),
        ));
        page.links
            .push(("/app/transfers".into(), Bi::new("调拨与认领", "Transfers")));
    }
    page
}
