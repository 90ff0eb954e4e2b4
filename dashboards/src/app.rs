//! The seller's phone and scanner pages: `/app/signin`, `/app/receive?code=…` and
//! `/app/sell?code=…` (the "receive" and "sell" actions of the trace page, pre-filled from what
//! the ledger knows of the code), and `/app/scan` (a USB/Bluetooth scanner types each code and
//! Enter; each is checked at once, and "finish" records one receipt).
//!
//! Sessions: the `suyuan_token` cookie holds a seller's API token (HttpOnly, SameSite=Lax,
//! Secure when the public URL is https); a bearer token works too. Every form carries a CSRF
//! token equal to the `suyuan_csrf` cookie (SameSite=Strict), and a cross-site `Origin` is
//! refused. Pages are Chinese first, English with `?lang=en` or `Accept-Language`.

use actix_web::cookie::{Cookie, SameSite};
use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use base64::Engine as _;
use rand::RngCore as _;
use serde::Deserialize;
use std::collections::HashMap;
use suyuan_core::codes::TraceCode;
use suyuan_core::receipt::{CertificateIn, InspectionIn, ItemIn, ReceiptIn, SupplierIn};
use suyuan_core::tenancy::Principal;
use suyuan_core::validation::FieldError;
use suyuan_store::entity::seller;
use suyuan_store::offline::{self, NewSale};
use suyuan_store::{receipts, stock, tenants, trace};
use suyuan_web::AppState;
use suyuan_web::auth::Tokens;
use suyuan_web::error::ApiError;
use suyuan_widgets::{
    APP_CSP, AppPage, Bi, FieldKind, FormField, FormView, Lang, Notice, NoticeKind, ScannerView,
};

/// The session cookie.
pub const SESSION_COOKIE: &str = "suyuan_token";
/// The CSRF cookie.
pub const CSRF_COOKIE: &str = "suyuan_csrf";

/// A submitted form, field by field.
pub type FormData = web::Form<HashMap<String, String>>;

/// The page language: `?lang=`, then `Accept-Language`, else Chinese.
pub fn lang_of(req: &HttpRequest) -> Lang {
    let q = url::form_urlencoded::parse(req.query_string().as_bytes())
        .find(|(k, _)| k == "lang")
        .map(|(_, v)| v.into_owned());
    Lang::negotiate(
        q.as_deref(),
        req.headers()
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok()),
    )
}

/// `?lang=en` for English pages (so form posts and redirects keep the language), else "".
pub fn lang_query(lang: Lang) -> &'static str {
    match lang {
        Lang::En => "?lang=en",
        Lang::Zh => "",
    }
}

/// The signed-in seller (cookie or bearer), if the token is valid and the seller exists.
pub async fn session(
    state: &AppState,
    req: &HttpRequest,
) -> Result<Option<seller::Model>, ApiError> {
    let Some(tokens) = req.app_data::<web::Data<Tokens>>() else {
        return Ok(None);
    };
    let bearer = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::to_owned);
    let Some(token) = bearer.or_else(|| req.cookie(SESSION_COOKIE).map(|c| c.value().to_owned()))
    else {
        return Ok(None);
    };
    let Ok(Principal::Seller(id)) = tokens.verify(&token) else {
        return Ok(None);
    };
    Ok(tenants::seller_row(&state.db, id.as_str()).await?)
}

fn secure(state: &AppState) -> bool {
    state.public_url.starts_with("https://")
}

/// The session cookie for a seller's token.
pub fn session_cookie(state: &AppState, token: String) -> Cookie<'static> {
    Cookie::build(SESSION_COOKIE, token)
        .path("/")
        .http_only(true)
        .secure(secure(state))
        .same_site(SameSite::Lax)
        .max_age(actix_web::cookie::time::Duration::seconds(
            i64::try_from(state.transfers.session_ttl.as_secs()).unwrap_or(30 * 24 * 3600),
        ))
        .finish()
}

/// The request's CSRF token, and the cookie to set when it is new.
pub fn csrf(state: &AppState, req: &HttpRequest) -> (String, Option<Cookie<'static>>) {
    if let Some(c) = req.cookie(CSRF_COOKIE)
        && c.value().len() >= 32
    {
        return (c.value().to_owned(), None);
    }
    let mut bytes = [0u8; 24];
    rand::rng().fill_bytes(&mut bytes);
    let token = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    let cookie = Cookie::build(CSRF_COOKIE, token.clone())
        .path("/")
        .http_only(true)
        .secure(secure(state))
        .same_site(SameSite::Strict)
        .finish();
    (token, Some(cookie))
}

/// True when a same-origin form (or script) sent `given`: it equals the CSRF cookie, and any
/// `Origin` header names this service.
pub fn csrf_ok(state: &AppState, req: &HttpRequest, given: Option<&str>) -> bool {
    let Some(cookie) = req.cookie(CSRF_COOKIE) else {
        return false;
    };
    let Some(given) = given else { return false };
    let same = subtle::ConstantTimeEq::ct_eq(cookie.value().as_bytes(), given.as_bytes());
    if !bool::from(same) || given.len() < 32 {
        return false;
    }
    match req
        .headers()
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
    {
        None => true,
        Some(origin) => {
            let own = url::Url::parse(&state.public_url)
                .map(|u| u.origin().ascii_serialization())
                .unwrap_or_default();
            let host = req.connection_info().host().to_owned();
            origin == own
                || origin == format!("http://{host}")
                || origin == format!("https://{host}")
        }
    }
}

/// An HTML page response with the seller pages' headers.
pub fn page_response(
    status: StatusCode,
    state: &AppState,
    page: &AppPage,
    lang: Lang,
    cookies: Vec<Cookie<'static>>,
) -> HttpResponse {
    let mut res = HttpResponse::build(status);
    res.content_type("text/html; charset=utf-8")
        .insert_header(("Content-Security-Policy", APP_CSP))
        .insert_header(("X-Content-Type-Options", "nosniff"))
        .insert_header(("Referrer-Policy", "same-origin"))
        .insert_header((header::CACHE_CONTROL, "no-store"));
    for c in cookies {
        res.cookie(c);
    }
    res.body(suyuan_widgets::render_app_page(
        page,
        lang,
        &state.public_url,
    ))
}

/// A 303 to `location`, setting `cookies`.
pub fn see_other(location: &str, cookies: Vec<Cookie<'static>>) -> HttpResponse {
    let mut res = HttpResponse::SeeOther();
    res.insert_header((header::LOCATION, location.to_owned()))
        .insert_header((header::CACHE_CONTROL, "no-store"));
    for c in cookies {
        res.cookie(c);
    }
    res.finish()
}

fn forbidden_page(state: &AppState, lang: Lang) -> HttpResponse {
    page_response(
        StatusCode::FORBIDDEN,
        state,
        &AppPage {
            title: Bi::new("请求已拒绝", "Request refused"),
            notices: vec![Notice {
                kind: NoticeKind::Error,
                text: Bi::new(
                    "表单已过期或来自其他网站，请返回上一页刷新后重试。",
                    "The form expired or came from another site: go back, reload and try again.",
                ),
            }],
            ..Default::default()
        },
        lang,
        vec![],
    )
}

/// The sign-in page URL that comes back to `next`.
pub fn signin_url(next: &str) -> String {
    format!(
        "/app/signin?next={}",
        url::form_urlencoded::byte_serialize(next.as_bytes()).collect::<String>()
    )
}

fn current_path(req: &HttpRequest) -> String {
    match req.query_string() {
        "" => req.path().to_owned(),
        q => format!("{}?{q}", req.path()),
    }
}

/// A `next` target that stays on this service.
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') => n.to_owned(),
        _ => "/app/scan".to_owned(),
    }
}

fn field<'a>(form: &'a HashMap<String, String>, name: &str) -> Option<&'a str> {
    form.get(name).map(|v| v.trim()).filter(|v| !v.is_empty())
}

fn owned(form: &HashMap<String, String>, name: &str) -> Option<String> {
    field(form, name).map(str::to_owned)
}

/// Puts field errors on the form fields they name (`supplier.credit_code` →
/// `supplier_credit_code`), and answers notices for those that fit no field.
pub fn attach_errors(form: &mut FormView, errors: &[FieldError]) -> Vec<Notice> {
    let mut rest = Vec::new();
    for e in errors {
        let name = e.field.replace('.', "_");
        let name = if name.starts_with("items") {
            if form.fields.iter().any(|f| f.name == "codes") {
                "codes".to_owned()
            } else {
                "code".to_owned()
            }
        } else {
            name
        };
        let text = Bi::new(
            format!("{}：{}", e.field, e.message_zh),
            format!("{}: {}", e.field, e.message_en),
        );
        match form.fields.iter_mut().find(|f| f.name == name) {
            Some(f) if f.kind != FieldKind::Hidden => f.error = Some(text),
            _ => rest.push(Notice {
                kind: NoticeKind::Error,
                text,
            }),
        }
    }
    rest
}

/// The select options of certificate check results.
pub fn certificate_results() -> FieldKind {
    FieldKind::Select(vec![
        (String::new(), Bi::new("（未核验）", "(not checked)")),
        ("valid".into(), Bi::new("有效", "Valid")),
        ("invalid".into(), Bi::new("无效", "Invalid")),
        ("expired".into(), Bi::new("已过期", "Expired")),
        ("not_found".into(), Bi::new("查无此证", "Not found")),
    ])
}

/// The select options of inspection results.
pub fn inspection_results() -> FieldKind {
    FieldKind::Select(vec![
        ("accepted".into(), Bi::new("合格，全部接收", "Accepted")),
        (
            "partly_accepted".into(),
            Bi::new("部分接收", "Partly accepted"),
        ),
        ("rejected".into(), Bi::new("不合格，拒收", "Rejected")),
    ])
}

fn categories(state: &AppState) -> FieldKind {
    FieldKind::Select(
        state
            .catalogue
            .categories()
            .iter()
            .map(|c| {
                (
                    c.id.to_string(),
                    Bi::new(c.name_zh.clone(), c.name_en.clone()),
                )
            })
            .collect(),
    )
}

const PROVINCE_PREFIXES: [&str; 34] = [
    "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37", "41",
    "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65", "71",
    "81", "82",
];

fn regions() -> FieldKind {
    FieldKind::Select(
        std::iter::once((String::new(), Bi::new("（请选择）", "(choose)")))
            .chain(PROVINCE_PREFIXES.iter().filter_map(|p| {
                let code = format!("{p}0000");
                suyuan_core::division::DivisionCode::parse(&code)
                    .ok()
                    .map(|d| (code, Bi::new(d.province_name_zh(), d.province_name_en())))
            }))
            .collect(),
    )
}

fn today_cst() -> String {
    suyuan_core::china_time::china_date(chrono::Utc::now()).to_string()
}

/// The receipt fields a seller fills in (receive, scan and claim pages share them).
pub fn inspection_fields(
    certificate_number: Option<String>,
    values: &HashMap<String, String>,
) -> Vec<FormField> {
    vec![
        FormField::new(
            "received_at",
            Bi::new("收货日期", "Received on"),
            FieldKind::Date,
        )
        .value(owned(values, "received_at").or_else(|| Some(today_cst())))
        .required(),
        FormField::new(
            "certificate_number",
            Bi::new("证书编号（CCC/许可证）", "Certificate number (CCC/licence)"),
            FieldKind::Text,
        )
        .value(owned(values, "certificate_number").or(certificate_number)),
        FormField::new(
            "certificate_result",
            Bi::new("证书核验结果", "Certificate check"),
            certificate_results(),
        )
        .value(owned(values, "certificate_result"))
        .hint(Bi::new(
            "在认证机构网站查询证书后选择结果",
            "Look the certificate up at the certification body, then choose",
        )),
        FormField::new(
            "inspection_result",
            Bi::new("查验结果", "Inspection result"),
            inspection_results(),
        )
        .value(owned(values, "inspection_result").or_else(|| Some("accepted".into())))
        .required(),
        FormField::new(
            "inspection_notes",
            Bi::new("查验说明（拒收原因）", "Notes (reasons for rejection)"),
            FieldKind::Text,
        )
        .value(owned(values, "inspection_notes")),
        FormField::new("inspector", Bi::new("查验人", "Inspector"), FieldKind::Text)
            .value(owned(values, "inspector"))
            .required(),
    ]
}

fn receipt_in(form: &HashMap<String, String>, channel: &str, items: Vec<ItemIn>) -> ReceiptIn {
    ReceiptIn {
        category: owned(form, "category").unwrap_or_default(),
        supplier: Some(SupplierIn {
            name: owned(form, "supplier_name"),
            credit_code: owned(form, "supplier_credit_code"),
        }),
        voucher_number: owned(form, "voucher_number"),
        received_at: suyuan_core::transfer::received_date(
            field(form, "received_at"),
            chrono::Utc::now(),
        )
        .map(str::to_owned),
        product_name: owned(form, "product_name"),
        model: owned(form, "model"),
        producer: owned(form, "producer"),
        certificate: match (
            owned(form, "certificate_number"),
            owned(form, "certificate_result"),
        ) {
            (Some(number), Some(result)) => Some(CertificateIn { number, result }),
            (Some(number), None) => Some(CertificateIn {
                number,
                result: "not_checked".into(),
            }),
            _ => None,
        },
        inspection: owned(form, "inspection_result").map(|result| InspectionIn {
            result,
            notes: owned(form, "inspection_notes"),
            inspector: owned(form, "inspector"),
        }),
        channel: Some(channel.to_owned()),
        items,
    }
}

/// Product facts for pre-filling: from the latest receipt naming the code, anywhere, and the
/// last business that shipped it (the likely supplier).
#[derive(Default)]
struct Prefill {
    category: Option<String>,
    product_name: Option<String>,
    model: Option<String>,
    producer: Option<String>,
    certificate_number: Option<String>,
    supplier_name: Option<String>,
    supplier_credit_code: Option<String>,
}

async fn prefill(state: &AppState, code: &TraceCode) -> Result<Prefill, ApiError> {
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

fn bad_code_page(state: &AppState, lang: Lang, raw: &str, zh: String, en: String) -> HttpResponse {
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

// ---------------------------------------------------------------------------------------------
// Sign-in

fn signin_page(csrf: String, next: &str, lang: Lang, error: Option<Notice>) -> AppPage {
    AppPage {
        title: Bi::new("销售者登录", "Seller sign-in"),
        notices: error.into_iter().collect(),
        intro: vec![Bi::new(
            "粘贴溯源为贵司签发的 API 令牌（管理员用 `suyuan token` 生成）。登录后可在手机上接收入库、登记销售和认领货品。",
            "Paste the API token Suyuan issued to your business (an administrator makes one with `suyuan token`). Signed in, you can receive, sell and claim goods from your phone.",
        )],
        forms: vec![FormView {
            id: "signin".into(),
            action: format!("/app/signin{}", lang_query(lang)),
            heading: None,
            csrf,
            fields: vec![
                FormField::new("next", Bi::default(), FieldKind::Hidden).value(Some(next)),
                FormField::new(
                    "token",
                    Bi::new("API 令牌", "API token"),
                    FieldKind::TextArea,
                )
                .required(),
            ],
            submit: Bi::new("登录", "Sign in"),
        }],
        ..Default::default()
    }
}

/// Query of the sign-in page.
#[derive(Debug, Deserialize)]
pub struct NextQuery {
    /// Where to go after signing in.
    pub next: Option<String>,
}

/// `GET /app/signin?next=…`: paste an API token to sign in on this device.
#[get("/app/signin")]
pub async fn signin_form(
    req: HttpRequest,
    state: web::Data<AppState>,
    q: web::Query<NextQuery>,
) -> HttpResponse {
    let lang = lang_of(&req);
    let (token, cookie) = csrf(&state, &req);
    let next = safe_next(q.next.as_deref());
    page_response(
        StatusCode::OK,
        &state,
        &signin_page(token, &next, lang, None),
        lang,
        cookie.into_iter().collect(),
    )
}

/// `POST /app/signin`: checks the token and sets the session cookie.
#[post("/app/signin")]
pub async fn signin(req: HttpRequest, state: web::Data<AppState>, form: FormData) -> HttpResponse {
    let lang = lang_of(&req);
    if !csrf_ok(&state, &req, field(&form, "csrf")) {
        return forbidden_page(&state, lang);
    }
    let next = safe_next(field(&form, "next"));
    let token = field(&form, "token").unwrap_or_default().to_owned();
    let valid = match req.app_data::<web::Data<Tokens>>() {
        Some(tokens) => matches!(tokens.verify(&token), Ok(Principal::Seller(_))),
        None => false,
    };
    if !valid {
        let (csrf_token, _) = csrf(&state, &req);
        return page_response(
            StatusCode::UNAUTHORIZED,
            &state,
            &signin_page(
                csrf_token,
                &next,
                lang,
                Some(Notice {
                    kind: NoticeKind::Error,
                    text: Bi::new(
                        "令牌无效、已过期或不是销售者令牌",
                        "The token is invalid, expired, or not a seller's token",
                    ),
                }),
            ),
            lang,
            vec![],
        );
    }
    see_other(&next, vec![session_cookie(&state, token)])
}

/// `POST /app/signout`: clears the session cookie.
#[post("/app/signout")]
pub async fn signout(req: HttpRequest, state: web::Data<AppState>, form: FormData) -> HttpResponse {
    if !csrf_ok(&state, &req, field(&form, "csrf")) {
        return forbidden_page(&state, lang_of(&req));
    }
    let mut gone = session_cookie(&state, String::new());
    gone.make_removal();
    see_other(
        &format!("/app/signin{}", lang_query(lang_of(&req))),
        vec![gone],
    )
}

/// The fields a receive and a sell form of one code begin with: the code (hidden), its
/// category, and for a batch code the quantity.
fn code_fields(
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

// ---------------------------------------------------------------------------------------------
// Receive one code

fn receive_form(
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
            "supplier_name",
            Bi::new("供货方", "Supplier"),
            FieldKind::Text,
        )
        .value(owned(values, "supplier_name").or_else(|| pre.supplier_name.clone())),
        FormField::new(
            "supplier_credit_code",
            Bi::new("供货方统一社会信用代码", "Supplier's credit code"),
            FieldKind::Text,
        )
        .value(owned(values, "supplier_credit_code").or_else(|| pre.supplier_credit_code.clone())),
        FormField::new(
            "voucher_number",
            Bi::new("随货单据号", "Delivery note / invoice no."),
            FieldKind::Text,
        )
        .value(owned(values, "voucher_number")),
        FormField::new(
            "product_name",
            Bi::new("产品名称", "Product"),
            FieldKind::Text,
        )
        .value(owned(values, "product_name").or_else(|| pre.product_name.clone())),
        FormField::new("model", Bi::new("型号", "Model"), FieldKind::Text)
            .value(owned(values, "model").or_else(|| pre.model.clone())),
        FormField::new("producer", Bi::new("生产者", "Producer"), FieldKind::Text)
            .value(owned(values, "producer").or_else(|| pre.producer.clone())),
    ]);
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

/// What the receive and sell pages start from: the signed-in seller, the code from `?code=`, what
/// the ledger knows of it, and the form's CSRF token.
struct CodePage {
    lang: Lang,
    me: seller::Model,
    code: TraceCode,
    pre: Prefill,
    token: String,
    cookie: Option<Cookie<'static>>,
}

/// Reads a [`CodePage`], or answers the page to show instead (sign in first, or a bad code).
async fn code_page(
    state: &AppState,
    req: &HttpRequest,
) -> Result<Result<CodePage, HttpResponse>, ApiError> {
    let lang = lang_of(req);
    let Some(me) = session(state, req).await? else {
        return Ok(Err(see_other(&signin_url(&current_path(req)), vec![])));
    };
    let raw = code_param(req).unwrap_or_default();
    let code = match TraceCode::parse(&raw) {
        Ok(c) => c,
        Err(e) => {
            return Ok(Err(bad_code_page(
                state,
                lang,
                &raw,
                e.message_zh(),
                e.to_string(),
            )));
        }
    };
    let pre = prefill(state, &code).await?;
    let (token, cookie) = csrf(state, req);
    Ok(Ok(CodePage {
        lang,
        me,
        code,
        pre,
        token,
        cookie,
    }))
}

/// `GET /app/receive?code=…`: a receipt of one code, pre-filled.
#[get("/app/receive")]
pub async fn receive_page(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let CodePage {
        lang,
        me,
        code,
        pre,
        token,
        cookie,
    } = match code_page(&state, &req).await? {
        Ok(p) => p,
        Err(res) => return Ok(res),
    };
    let page = AppPage {
        title: Bi::new("接收入库", "Receive into stock"),
        signed_in_as: Some(me.name),
        facts: code_facts(&code),
        forms: vec![receive_form(
            &state,
            token,
            lang,
            &code,
            &pre,
            &HashMap::new(),
        )],
        ..Default::default()
    };
    Ok(page_response(
        StatusCode::OK,
        &state,
        &page,
        lang,
        cookie.into_iter().collect(),
    ))
}

fn code_facts(code: &TraceCode) -> Vec<(Bi, String)> {
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

fn warnings_notices(warnings: &[receipts::CodeWarning]) -> Vec<Notice> {
    warnings
        .iter()
        .map(|w| Notice {
            kind: NoticeKind::Error,
            text: Bi::new(
                format!("{}：{}", w.code, w.message_zh),
                format!("{}: {}", w.code, w.message_en),
            ),
        })
        .collect()
}

fn done_page(
    title: Bi,
    me: &seller::Model,
    message: Bi,
    extra: Vec<Notice>,
    event_id: &str,
    codes: Vec<String>,
    links: Vec<(String, Bi)>,
) -> AppPage {
    let mut notices = vec![Notice {
        kind: NoticeKind::Success,
        text: message,
    }];
    notices.extend(extra);
    AppPage {
        title,
        signed_in_as: Some(me.name.clone()),
        notices,
        facts: vec![(Bi::new("记录编号", "Record"), event_id.to_owned())],
        items: Some((Bi::new("货品", "Goods"), codes)),
        links,
        ..Default::default()
    }
}

async fn record_receipt_from_form(
    state: &AppState,
    me: &seller::Model,
    form: &HashMap<String, String>,
    channel: &str,
    items: Vec<ItemIn>,
) -> Result<Result<receipts::RecordedReceipt, Vec<FieldError>>, ApiError> {
    let input = match receipt_in(form, channel, items).parse(&state.catalogue, chrono::Utc::now()) {
        Ok(i) => i,
        Err(errors) => return Ok(Err(errors)),
    };
    let id = suyuan_core::ids::SellerId::parse(&me.id)
        .map_err(|e| ApiError::Unexpected(anyhow::anyhow!("seller id: {e}")))?;
    let done = receipts::record(&state.db, &state.catalogue, &id, input).await?;
    state
        .metrics
        .events_recorded
        .with_label_values(&["receipt"])
        .inc();
    Ok(Ok(done))
}

/// How a code form's post begins: the CSRF token checked, the seller signed in, the code read.
/// `Err` is the page to answer instead.
async fn posted_code(
    state: &AppState,
    req: &HttpRequest,
    form: &HashMap<String, String>,
    lang: Lang,
) -> Result<Result<(seller::Model, TraceCode), HttpResponse>, ApiError> {
    if !csrf_ok(state, req, field(form, "csrf")) {
        return Ok(Err(forbidden_page(state, lang)));
    }
    let Some(me) = session(state, req).await? else {
        return Ok(Err(see_other(&signin_url("/app/scan"), vec![])));
    };
    let raw = field(form, "code").unwrap_or_default().to_owned();
    Ok(match TraceCode::parse(&raw) {
        Ok(code) => Ok((me, code)),
        Err(e) => Err(bad_code_page(
            state,
            lang,
            &raw,
            e.message_zh(),
            e.to_string(),
        )),
    })
}

/// The quantity posted for a batch code (a unit code has none): a number greater than 0.
fn posted_quantity(
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

/// `POST /app/receive`: records the receipt (channel `phone_scan`).
#[post("/app/receive")]
pub async fn receive(
    req: HttpRequest,
    state: web::Data<AppState>,
    form: FormData,
) -> Result<HttpResponse, ApiError> {
    let lang = lang_of(&req);
    let (me, code) = match posted_code(&state, &req, &form, lang).await? {
        Ok(found) => found,
        Err(page) => return Ok(page),
    };
    let mut errors = Vec::new();
    let quantity = posted_quantity(&form, &code).unwrap_or_else(|e| {
        errors.push(e);
        None
    });
    let result = if errors.is_empty() {
        record_receipt_from_form(
            &state,
            &me,
            &form,
            "phone_scan",
            vec![ItemIn {
                code: Some(code.to_string()),
                gtin: None,
                batch: None,
                quantity,
                unit: None,
            }],
        )
        .await?
    } else {
        Err(errors)
    };
    match result {
        Ok(done) => Ok(page_response(
            StatusCode::CREATED,
            &state,
            &done_page(
                Bi::new("已入库", "Received"),
                &me,
                Bi::new(
                    "收货记录已登记，库存已更新",
                    "The receipt is recorded and stock updated",
                ),
                warnings_notices(&done.warnings),
                done.stored.id.as_str(),
                vec![code.to_string()],
                vec![
                    (
                        format!("/t/{}", suyuan_widgets::path_segment(&code.to_string())),
                        Bi::new("查看追溯信息", "See the trace page"),
                    ),
                    ("/app/scan".into(), Bi::new("继续扫码", "Scan more")),
                ],
            ),
            lang,
            vec![],
        )),
        Err(errors) => {
            let pre = prefill(&state, &code).await?;
            let (token, _) = csrf(&state, &req);
            let f = receive_form(&state, token, lang, &code, &pre, &form);
            Ok(refused_page(
                &state,
                Bi::new("接收入库", "Receive into stock"),
                me.name,
                &code,
                f,
                &errors,
                lang,
            ))
        }
    }
}

/// A code form posted back with what needs correcting (422): nothing was recorded.
fn refused_page(
    state: &AppState,
    title: Bi,
    seller: String,
    code: &TraceCode,
    mut form: FormView,
    errors: &[FieldError],
    lang: Lang,
) -> HttpResponse {
    let notices = attach_errors(&mut form, errors);
    page_response(
        StatusCode::UNPROCESSABLE_ENTITY,
        state,
        &AppPage {
            title,
            signed_in_as: Some(seller),
            notices: std::iter::once(Notice {
                kind: NoticeKind::Error,
                text: Bi::new(
                    "有字段需要更正，未登记任何内容",
                    "Some fields need correcting; nothing was recorded",
                ),
            })
            .chain(notices)
            .collect(),
            facts: code_facts(code),
            forms: vec![form],
            ..Default::default()
        },
        lang,
        vec![],
    )
}

// ---------------------------------------------------------------------------------------------
// Sell one code

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
) -> Result<HttpResponse, ApiError> {
    let CodePage {
        lang,
        me,
        code,
        pre,
        token,
        cookie,
    } = match code_page(&state, &req).await? {
        Ok(p) => p,
        Err(res) => return Ok(res),
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
    Ok(page_response(
        StatusCode::OK,
        &state,
        &page,
        lang,
        cookie.into_iter().collect(),
    ))
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
    form: FormData,
) -> Result<HttpResponse, ApiError> {
    let lang = lang_of(&req);
    let (me, code) = match posted_code(&state, &req, &form, lang).await? {
        Ok(found) => found,
        Err(page) => return Ok(page),
    };
    let id = suyuan_core::ids::SellerId::parse(&me.id)
        .map_err(|e| ApiError::Unexpected(anyhow::anyhow!("seller id: {e}")))?;
    let errors = match parse_sale(&form, &code, &state) {
        Ok(sale) => match offline::register(&state.db, &state.catalogue, &id, sale).await? {
            Ok(done) => {
                state
                    .metrics
                    .events_recorded
                    .with_label_values(&[done.stored.row.record_kind.as_str()])
                    .inc();
                let mut page = done_page(
                    Bi::new("已登记销售", "Sale registered"),
                    &me,
                    Bi::new("销售记录已登记", "The sale is recorded"),
                    vec![],
                    done.stored.id.as_str(),
                    vec![code.to_string()],
                    vec![
                        (
                            format!("/t/{}", suyuan_widgets::path_segment(&code.to_string())),
                            Bi::new("查看追溯信息", "See the trace page"),
                        ),
                        ("/app/scan".into(), Bi::new("继续扫码", "Scan more")),
                    ],
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
    let pre = prefill(&state, &code).await?;
    let (token, _) = csrf(&state, &req);
    let f = sell_form(&state, token, lang, &code, &pre, &form);
    Ok(refused_page(
        &state,
        Bi::new("登记销售", "Register a sale"),
        me.name,
        &code,
        f,
        &errors,
        lang,
    ))
}

// ---------------------------------------------------------------------------------------------
// The scanner page

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
        FormField::new(
            "supplier_name",
            Bi::new("供货方", "Supplier"),
            FieldKind::Text,
        )
        .value(owned(values, "supplier_name"))
        .required(),
        FormField::new(
            "supplier_credit_code",
            Bi::new("供货方统一社会信用代码", "Supplier's credit code"),
            FieldKind::Text,
        )
        .value(owned(values, "supplier_credit_code")),
        FormField::new(
            "voucher_number",
            Bi::new("随货单据号", "Delivery note / invoice no."),
            FieldKind::Text,
        )
        .value(owned(values, "voucher_number")),
        FormField::new(
            "product_name",
            Bi::new("产品名称", "Product"),
            FieldKind::Text,
        )
        .value(owned(values, "product_name")),
        FormField::new("model", Bi::new("型号", "Model"), FieldKind::Text)
            .value(owned(values, "model")),
        FormField::new("producer", Bi::new("生产者", "Producer"), FieldKind::Text)
            .value(owned(values, "producer")),
    ];
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

/// `GET /app/scan`: the scanner page.
#[get("/app/scan")]
pub async fn scan_page(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let lang = lang_of(&req);
    let Some(me) = session(&state, &req).await? else {
        return Ok(see_other(&signin_url(&current_path(&req)), vec![]));
    };
    let (token, cookie) = csrf(&state, &req);
    let page = AppPage {
        title: Bi::new("扫码入库", "Scan a carton in"),
        signed_in_as: Some(me.name),
        intro: vec![Bi::new(
            "逐个扫描箱内商品的码，每个码立即校验；全部扫完后填写供货信息并完成入库。",
            "Scan each item of the carton; every code is checked at once. When done, fill in the supplier and finish.",
        )],
        scanner: Some(ScannerView {
            check_url: "/app/scan/check".into(),
            csrf: token.clone(),
        }),
        forms: vec![scan_form(&state, token, lang, &HashMap::new())],
        links: vec![("/app/transfers".into(), Bi::new("调拨与认领", "Transfers"))],
        ..Default::default()
    };
    Ok(page_response(
        StatusCode::OK,
        &state,
        &page,
        lang,
        cookie.into_iter().collect(),
    ))
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

fn check_result(
    ok: bool,
    code: &str,
    reason: &str,
    zh: impl Into<String>,
    en: impl Into<String>,
) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(serde_json::json!({
            "ok": ok, "code": code, "reason": reason,
            "message_zh": zh.into(), "message_en": en.into(),
        }))
}

/// `POST /app/scan/check` (JSON, same-origin with `X-CSRF-Token`): checks one scanned code —
/// does it parse, is it a duplicate in this carton, was it already received here, did another
/// seller receive it without a sale.
#[post("/app/scan/check")]
pub async fn scan_check(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: web::Json<CheckIn>,
) -> Result<HttpResponse, ApiError> {
    let given = req
        .headers()
        .get("x-csrf-token")
        .and_then(|v| v.to_str().ok());
    if !csrf_ok(&state, &req, given) {
        return Err(ApiError::Forbidden);
    }
    let Some(me) = session(&state, &req).await? else {
        return Err(ApiError::Unauthenticated("not signed in".into()));
    };
    let raw = body.code.trim();
    let code = match TraceCode::parse(raw) {
        Ok(c) => c,
        Err(e) => {
            return Ok(check_result(
                false,
                raw,
                e.code(),
                e.message_zh(),
                e.to_string(),
            ));
        }
    };
    let canonical = code.to_string();
    if !code.is_unit_level() {
        return Ok(check_result(true, &canonical, "ok", "", ""));
    }
    if body
        .seen
        .iter()
        .any(|s| TraceCode::parse(s).is_ok_and(|c| c.to_string() == canonical))
    {
        return Ok(check_result(
            false,
            &canonical,
            "duplicate_in_carton",
            "本箱已扫过此码",
            "already scanned in this carton",
        ));
    }
    let id = suyuan_core::ids::SellerId::parse(&me.id)
        .map_err(|e| ApiError::Unexpected(anyhow::anyhow!("seller id: {e}")))?;
    let h = stock::unit_history(&state.db, &id, &canonical).await?;
    if h.received_here > 0 && h.sold_here <= 0 {
        return Ok(check_result(
            false,
            &canonical,
            "already_received_here",
            "此码已在本店入库",
            "already received here",
        ));
    }
    if h.received_by.iter().any(|s| s != &me.id) && h.sold_anywhere == 0 {
        return Ok(check_result(
            false,
            &canonical,
            "received_by_another_seller",
            "此码已由其他销售者入库且无销售记录，可能为仿冒码",
            "another seller received this code and never sold it: possibly a cloned code",
        ));
    }
    Ok(check_result(true, &canonical, "ok", "", ""))
}

/// `POST /app/scan`: finishes the carton: one receipt (channel `scanner`) with every code.
#[post("/app/scan")]
pub async fn scan_finish(
    req: HttpRequest,
    state: web::Data<AppState>,
    form: FormData,
) -> Result<HttpResponse, ApiError> {
    let lang = lang_of(&req);
    if !csrf_ok(&state, &req, field(&form, "csrf")) {
        return Ok(forbidden_page(&state, lang));
    }
    let Some(me) = session(&state, &req).await? else {
        return Ok(see_other(&signin_url("/app/scan"), vec![]));
    };
    // Unit codes once each; batch codes counted.
    let mut items: Vec<ItemIn> = Vec::new();
    let mut codes: Vec<String> = Vec::new();
    for raw in field(&form, "codes").unwrap_or_default().split_whitespace() {
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
    match record_receipt_from_form(&state, &me, &form, "scanner", items).await? {
        Ok(done) => Ok(page_response(
            StatusCode::CREATED,
            &state,
            &done_page(
                Bi::new("本箱已入库", "Carton received"),
                &me,
                Bi::new(
                    format!("已登记收货 {} 个码", codes.len()),
                    format!("Receipt recorded: {} codes", codes.len()),
                ),
                warnings_notices(&done.warnings),
                done.stored.id.as_str(),
                codes,
                vec![("/app/scan".into(), Bi::new("扫下一箱", "Next carton"))],
            ),
            lang,
            vec![],
        )),
        Err(errors) => {
            let (token, _) = csrf(&state, &req);
            let mut f = scan_form(&state, token.clone(), lang, &form);
            let notices = attach_errors(&mut f, &errors);
            Ok(page_response(
                StatusCode::UNPROCESSABLE_ENTITY,
                &state,
                &AppPage {
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
                    scanner: Some(ScannerView {
                        check_url: "/app/scan/check".into(),
                        csrf: token,
                    }),
                    forms: vec![f],
                    ..Default::default()
                },
                lang,
                vec![],
            ))
        }
    }
}

/// `GET /assets/app.css`.
#[get("/assets/app.css")]
pub async fn app_css() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/css; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
        .body(suyuan_widgets::app_css())
}

/// `GET /assets/scan.js`.
#[get("/assets/scan.js")]
pub async fn scan_js() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/javascript; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
        .insert_header(("X-Content-Type-Options", "nosniff"))
        .body(suyuan_widgets::scan_js())
}
