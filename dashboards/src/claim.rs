//! The claim page of a B2B transfer, `/claim/{token}`, opened from the link or QR code the sender
//! gave the buyer. It shows who sent what and when. A signed-in seller whose credit code is the
//! buyer's gets the pre-filled receipt form; a visitor without an account gets a sign-up form
//! (the credit code must be the buyer's) that creates a provisional account (awaiting review by
//! an admin or the supervisor of its division: until then it may claim this transfer only, and
//! not at all while a verified account holds the credit code) and signs in; anyone else is told
//! the goods are not theirs. Claimed, expired and cancelled transfers say so, and whom to
//! contact. `/claim/{token}/qr.svg` and `qr.png` are QR codes of the page.

use crate::app::{
    FormData, attach_errors, inspection_fields, lang_of, lang_query, page_response, see_other,
    seller_id, signin_url,
};
use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use std::collections::HashMap;
use suyuan_core::accounts::Email;
use suyuan_core::tenancy::Role;
use suyuan_core::tenancy::SellerIn;
use suyuan_core::transfer::ClaimIn;
use suyuan_core::validation::FieldError;
use suyuan_store::accounts;
use suyuan_store::entity::seller;
use suyuan_store::tenants;
use suyuan_store::transfers::{self, Transfer, TransferError};
use suyuan_web::AppState;
use suyuan_web::auth::Tokens;
use suyuan_web::csrf::{self, CsrfToken};
use suyuan_web::error::ApiError;
use suyuan_web::session::{self, session_cookie};
use suyuan_widgets::{AppPage, Bi, FieldKind, FormField, FormView, Lang, Notice, NoticeKind};

/// A date as China writes it (China time), `2026-11-26`.
pub(crate) fn cst_date(t: chrono::DateTime<chrono::Utc>) -> String {
    suyuan_core::china_time::china_date(t).to_string()
}

fn method_name(m: &str) -> Bi {
    match m {
        "pickup" => Bi::new("自提", "Pickup"),
        "courier" => Bi::new("快递", "Courier"),
        "freight" => Bi::new("物流货运", "Freight"),
        "own_delivery" => Bi::new("自行配送", "Own delivery"),
        other => Bi::new(other, other),
    }
}

/// The page of a transfer with its facts, goods and QR code; forms and notices added by caller.
fn base_page(t: &Transfer, token: &str, lang: Lang) -> AppPage {
    let r = &t.row;
    let mut facts = vec![
        (Bi::new("发货方", "Sender"), t.sender.name.clone()),
        (
            Bi::new("发货方信用代码", "Sender's credit code"),
            t.sender.credit_code.clone(),
        ),
        (Bi::new("收货方", "Buyer"), r.buyer_name.clone()),
        (
            Bi::new("收货方信用代码", "Buyer's credit code"),
            r.buyer_credit_code.clone(),
        ),
        (Bi::new("发货日期", "Shipped on"), cst_date(r.sold_at)),
    ];
    let shipping = r.shipping_method.as_deref().map(|m| {
        let name = method_name(m);
        match lang {
            Lang::Zh => name.zh,
            Lang::En => name.en,
        }
    });
    for (k, v) in [
        (Bi::new("单据号", "Voucher"), &r.voucher_number),
        (Bi::new("配送方式", "Shipping"), &shipping),
        (Bi::new("运单号", "Tracking number"), &r.tracking_number),
        (Bi::new("产品名称", "Product"), &r.product_name),
        (Bi::new("型号", "Model"), &r.model),
        (Bi::new("生产者", "Producer"), &r.producer),
        (Bi::new("证书编号", "Certificate"), &r.certificate_number),
    ] {
        if let Some(v) = v {
            facts.push((k, v.clone()));
        }
    }
    facts.push((
        Bi::new("链接有效期至", "Link valid until"),
        cst_date(r.expires_at),
    ));
    AppPage {
        title: Bi::new("确认收货", "Confirm receipt"),
        intro: vec![Bi::new(
            format!(
                "{} 向贵司发出了以下货品。确认收货后，货品信息将自动登记为贵司的进货查验记录。",
                t.sender.name
            ),
            format!(
                "{} shipped these goods to you. Confirm receipt and they are recorded as your incoming inspection, pre-filled.",
                t.sender.name
            ),
        )],
        facts,
        items: Some((
            Bi::new(
                format!("货品（{} 项）", t.items.len()),
                format!("Goods ({} items)", t.items.len()),
            ),
            t.items
                .iter()
                .map(|i| match i.quantity {
                    Some(q) => format!("{} × {q}", i.code),
                    None => i.code.clone(),
                })
                .collect(),
        )),
        qr: Some((
            format!("/claim/{token}/qr.svg"),
            Bi::new("认领二维码", "Claim QR code"),
        )),
        ..Default::default()
    }
}

fn claim_form(
    t: &Transfer,
    token: &str,
    csrf: String,
    lang: Lang,
    values: &HashMap<String, String>,
) -> FormView {
    FormView {
        id: "claim".into(),
        action: format!("/claim/{token}{}", lang_query(lang)),
        heading: Some(Bi::new(
            "进货查验（已预填）",
            "Incoming inspection (pre-filled)",
        )),
        csrf,
        fields: inspection_fields(t.row.certificate_number.clone(), values),
        submit: Bi::new("确认收货入库", "Confirm and receive"),
    }
}

fn signup_form(
    t: &Transfer,
    token: &str,
    csrf: String,
    lang: Lang,
    values: &HashMap<String, String>,
) -> FormView {
    let v = |k: &str| {
        values
            .get(k)
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
    };
    FormView {
        id: "signup".into(),
        action: format!("/claim/{token}/signup{}", lang_query(lang)),
        heading: Some(Bi::new(
            "首次使用溯源？注册后认领",
            "New to Suyuan? Sign up to claim",
        )),
        csrf,
        fields: vec![
            FormField::new(
                "name",
                Bi::new("企业名称", "Business name"),
                FieldKind::Text,
            )
            .value(v("name").or_else(|| Some(t.row.buyer_name.clone())))
            .required(),
            FormField::new(
                "credit_code",
                Bi::new("统一社会信用代码", "Unified social credit code"),
                FieldKind::Text,
            )
            .value(v("credit_code").or_else(|| Some(t.row.buyer_credit_code.clone())))
            .required()
            .hint(Bi::new(
                "须与发货方登记的收货方信用代码一致",
                "Must be the buyer's credit code the sender registered",
            )),
            FormField::new(
                "division_code",
                Bi::new("所在地行政区划代码（6 位）", "Division code (6 digits)"),
                FieldKind::Text,
            )
            .value(v("division_code").or_else(|| {
                suyuan_core::credit_code::CreditCode::parse(&t.row.buyer_credit_code)
                    .ok()
                    .and_then(|c| c.division_code())
                    .map(|d| d.to_string())
            }))
            .required(),
            FormField::new(
                "seller_type",
                Bi::new("经营类型", "Business type"),
                FieldKind::Select(vec![
                    ("distributor".into(), Bi::new("经销商", "Distributor")),
                    ("small_shop".into(), Bi::new("小型门店", "Small shop")),
                    (
                        "specialty_store".into(),
                        Bi::new("专卖店", "Specialty store"),
                    ),
                    ("general_store".into(), Bi::new("综合商店", "General store")),
                    ("large_store".into(), Bi::new("大型商场", "Large store")),
                    ("offline".into(), Bi::new("线下销售者", "Offline seller")),
                    ("online".into(), Bi::new("网店", "Online shop")),
                ]),
            )
            .value(v("seller_type").or_else(|| Some("distributor".into())))
            .required(),
            FormField::new(
                "email",
                Bi::new("联系邮箱", "Contact e-mail"),
                FieldKind::Email,
            )
            .value(v("email").or_else(|| t.row.contact_email.clone())),
            FormField::new("password", Bi::new("密码", "Password"), FieldKind::Password).hint(
                Bi::new(
                    "可选：至少 10 个字符；设置后可用邮箱和密码登录",
                    "Optional: at least 10 characters; then sign in with the e-mail and password",
                ),
            ),
        ],
        submit: Bi::new("注册并登录", "Sign up and sign in"),
    }
}

fn not_found_page(state: &AppState, lang: Lang) -> HttpResponse {
    page_response(
        StatusCode::NOT_FOUND,
        state,
        &AppPage {
            title: Bi::new("认领链接无效", "Claim link not found"),
            notices: vec![Notice {
                kind: NoticeKind::Error,
                text: Bi::new(
                    "此认领链接不存在。请核对链接是否完整，或联系发货方重新发送。",
                    "There is no such claim link. Check that the whole link was copied, or ask the sender to send it again.",
                ),
            }],
            ..Default::default()
        },
        lang,
        vec![],
    )
}

fn contact_of(sender: &seller::Model) -> Bi {
    let email = sender.email.clone().unwrap_or_default();
    let (zh_mail, en_mail) = if email.is_empty() {
        (String::new(), String::new())
    } else {
        (format!("，邮箱 {email}"), format!(", e-mail {email}"))
    };
    Bi::new(
        format!(
            "请联系发货方 {}（统一社会信用代码 {}{zh_mail}）。",
            sender.name, sender.credit_code
        ),
        format!(
            "Contact the sender, {} (credit code {}{en_mail}).",
            sender.name, sender.credit_code
        ),
    )
}

/// The page for a transfer that cannot be claimed, or `None` when it can.
fn closed_notice(t: &Transfer) -> Option<(StatusCode, Notice)> {
    let now = chrono::Utc::now();
    let contact = contact_of(&t.sender);
    let (status, zh, en) = match t.status_at(now) {
        "claimed" => (
            StatusCode::CONFLICT,
            format!(
                "此货品已于 {} 认领，收货记录已登记。",
                t.row.claimed_at.map(cst_date).unwrap_or_default()
            ),
            format!(
                "These goods were claimed on {}; the receipt is recorded.",
                t.row.claimed_at.map(cst_date).unwrap_or_default()
            ),
        ),
        "expired" => (
            StatusCode::GONE,
            format!(
                "认领链接已于 {} 过期。{}",
                cst_date(t.row.expires_at),
                contact.zh
            ),
            format!(
                "The claim link expired on {}. {}",
                cst_date(t.row.expires_at),
                contact.en
            ),
        ),
        "cancelled" => (
            StatusCode::GONE,
            format!("发货方已取消此次转移。{}", contact.zh),
            format!("The sender cancelled this transfer. {}", contact.en),
        ),
        _ => return None,
    };
    Some((
        status,
        Notice {
            kind: NoticeKind::Info,
            text: Bi::new(zh, en),
        },
    ))
}

fn wrong_party_notice(me: &seller::Model, t: &Transfer) -> Notice {
    Notice {
        kind: NoticeKind::Error,
        text: Bi::new(
            format!(
                "您登录的企业“{}”（{}）不是此货品的收货方“{}”（{}），不能认领。如货品确系发给贵司，请联系发货方更正收货方信息。",
                me.name, me.credit_code, t.row.buyer_name, t.row.buyer_credit_code
            ),
            format!(
                "You are signed in as “{}” ({}), not the buyer “{}” ({}), so you cannot claim these goods. If they are yours, ask the sender to correct the buyer.",
                me.name, me.credit_code, t.row.buyer_name, t.row.buyer_credit_code
            ),
        ),
    }
}

/// Why a provisional account may not claim these goods (yet).
fn awaiting_notice(held: bool, credit_code: &str) -> Notice {
    let text = if held {
        Bi::new(
            format!(
                "统一社会信用代码 {credit_code} 已由溯源上一个已核验的账号持有，请用该账号登录后认领。贵司的注册已提交审核，审核期间不能认领。"
            ),
            format!(
                "Credit code {credit_code} belongs to a verified account on Suyuan: sign in with it to claim. Your sign-up is awaiting review and cannot claim meanwhile."
            ),
        )
    } else {
        Bi::new(
            suyuan_web::error::AWAITING_ZH,
            suyuan_web::error::AWAITING_EN,
        )
    };
    Notice {
        kind: NoticeKind::Error,
        text,
    }
}

/// What the last submission left to show again: its values and why they were refused.
#[derive(Clone, Copy)]
struct Submitted<'a> {
    values: &'a HashMap<String, String>,
    errors: &'a [FieldError],
}

/// Renders the claim page as the visitor (signed in or not) sees it.
async fn render(
    state: &AppState,
    req: &HttpRequest,
    (t, token): (&Transfer, &str),
    status: StatusCode,
    mut notices: Vec<Notice>,
    Submitted { values, errors }: Submitted<'_>,
) -> Result<HttpResponse, ApiError> {
    let lang = lang_of(req);
    let CsrfToken {
        token: csrf_token,
        cookie,
    } = csrf::token(state, req);
    let me = session::seller(state, req).await?;
    let mut page = base_page(t, token, lang);
    page.signed_in_as = me.as_ref().map(|m| m.name.clone());
    let mut status = status;
    if let Some((s, n)) = closed_notice(t) {
        notices.push(n);
        status = if status.is_success() { s } else { status };
        page.qr = None;
    } else {
        match &me {
            Some(me) if me.credit_code == t.row.buyer_credit_code => {
                match transfers::may_claim(&state.db, t, me, chrono::Utc::now()).await {
                    Err(TransferError::AwaitingVerification { held }) => {
                        notices.push(awaiting_notice(held, &me.credit_code));
                        status = StatusCode::FORBIDDEN;
                    }
                    Err(TransferError::Store(e)) => return Err(e.into()),
                    _ => {
                        let mut f = claim_form(t, token, csrf_token, lang, values);
                        notices.extend(attach_errors(&mut f, errors));
                        page.forms.push(f);
                    }
                }
            }
            Some(me) => {
                notices.push(wrong_party_notice(me, t));
                status = StatusCode::FORBIDDEN;
            }
            None => {
                let mut f = signup_form(t, token, csrf_token, lang, values);
                notices.extend(attach_errors(&mut f, errors));
                page.forms.push(f);
                page.links.push((
                    format!(
                        "{}{}",
                        signin_url(&format!("/claim/{token}")),
                        match lang {
                            Lang::En => "&lang=en",
                            Lang::Zh => "",
                        }
                    ),
                    Bi::new("已有溯源账号？登录", "Already on Suyuan? Sign in"),
                ));
            }
        }
    }
    page.notices = notices;
    Ok(page_response(
        status,
        state,
        &page,
        lang,
        cookie.into_iter().collect(),
    ))
}

/// `GET /claim/{token}`.
#[get("/claim/{token}")]
pub async fn claim_page(
    req: HttpRequest,
    state: web::Data<AppState>,
    token: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let Some(t) = transfers::find_by_token(&state.db, &token).await? else {
        return Ok(not_found_page(&state, lang_of(&req)));
    };
    render(
        &state,
        &req,
        (&t, &token),
        StatusCode::OK,
        vec![],
        Submitted {
            values: &HashMap::new(),
            errors: &[],
        },
    )
    .await
}

/// The sign-up's account: its address and password, when a password was given (it needs the
/// e-mail, and must pass the password rules).
fn signup_account(form: &FormData) -> Result<Option<(Email, String)>, Vec<FieldError>> {
    let password = form.get("password").cloned().unwrap_or_default();
    if password.is_empty() {
        return Ok(None);
    }
    let raw = form.get("email").map(|s| s.trim()).unwrap_or_default();
    let email = Email::parse(raw).map_err(|e| {
        vec![FieldError::new(
            "email",
            "invalid_email",
            format!("设置密码需要有效的邮箱：{}", e.zh),
            format!("a password needs a valid e-mail: {}", e.en),
        )]
    })?;
    suyuan_core::accounts::check_password(&password, &email).map_err(|p| {
        vec![FieldError::new(
            "password",
            "weak_password",
            p.zh(),
            p.to_string(),
        )]
    })?;
    Ok(Some((email, password)))
}

/// The sign-up form as the API's [`SellerIn`], parsed; the credit code must be the buyer's.
fn signup_input(
    form: &FormData,
    t: &Transfer,
) -> Result<suyuan_core::tenancy::NewSeller, Vec<FieldError>> {
    let v = |k: &str| form.get(k).map(|s| s.trim().to_owned()).unwrap_or_default();
    let email = Some(v("email")).filter(|e| !e.is_empty());
    let new = SellerIn {
        name: v("name"),
        credit_code: v("credit_code"),
        division_code: v("division_code"),
        seller_type: v("seller_type"),
        email,
    }
    .parse()?;
    if new.credit_code.as_str() != t.row.buyer_credit_code {
        return Err(vec![FieldError::new(
            "credit_code",
            "not_the_buyer",
            format!(
                "信用代码须为收货方“{}”的 {}",
                t.row.buyer_name, t.row.buyer_credit_code
            ),
            format!(
                "must be the buyer's ({}, {})",
                t.row.buyer_name, t.row.buyer_credit_code
            ),
        )]);
    }
    Ok(new)
}

/// `POST /claim/{token}/signup`: creates the buyer's seller account, provisional (awaiting
/// review), and signs it in.
#[post("/claim/{token}/signup")]
pub async fn claim_signup(
    req: HttpRequest,
    state: web::Data<AppState>,
    token: web::Path<String>,
    form: FormData,
) -> Result<HttpResponse, ApiError> {
    let lang = lang_of(&req);
    let Some(t) = transfers::find_by_token(&state.db, &token).await? else {
        return Ok(not_found_page(&state, lang));
    };
    if !csrf::verify(&state, &req, form.get("csrf").map(String::as_str)) {
        return Ok(page_response(
            StatusCode::FORBIDDEN,
            &state,
            &AppPage {
                title: Bi::new("请求已拒绝", "Request refused"),
                notices: vec![Notice {
                    kind: NoticeKind::Error,
                    text: Bi::new(
                        "表单已过期，请刷新页面后重试。",
                        "The form expired: reload the page and try again.",
                    ),
                }],
                ..Default::default()
            },
            lang,
            vec![],
        ));
    }
    if closed_notice(&t).is_some() {
        return render(
            &state,
            &req,
            (&t, &token),
            StatusCode::CONFLICT,
            vec![],
            Submitted {
                values: &form,
                errors: &[],
            },
        )
        .await;
    }
    let parsed = signup_input(&form, &t).and_then(|new| Ok((new, signup_account(&form)?)));
    let parsed = match parsed {
        Ok((new, Some((email, password)))) => {
            if accounts::by_email(&state.db, &email).await?.is_some() {
                Err(vec![FieldError::new(
                    "email",
                    "taken",
                    "该邮箱已有账号，请先登录",
                    "this address has an account: sign in first",
                )])
            } else {
                Ok((new, Some((email, password))))
            }
        }
        other => other,
    };
    let (new, login) = match parsed {
        Ok(p) => p,
        Err(errors) => {
            return render(
                &state,
                &req,
                (&t, &token),
                StatusCode::UNPROCESSABLE_ENTITY,
                vec![],
                Submitted {
                    values: &form,
                    errors: &errors,
                },
            )
            .await;
        }
    };
    // Provisional: whoever holds the link can fill in the buyer's credit code, so the account
    // may claim this transfer only until it is reviewed; a credit code already on Suyuan makes
    // another claimant for review, never a 409 and never a merge.
    let created = tenants::create_claimant(&state.db, new, &t.row.id).await?;
    tracing::info!(seller_id = %created.id, transfer_id = %t.row.id, "provisional seller signed up from a claim link");
    let tokens = req
        .app_data::<web::Data<Tokens>>()
        .ok_or_else(|| ApiError::Unexpected(anyhow::anyhow!("Tokens missing from app data")))?;
    let jwt = tokens
        .mint(
            Role::Seller,
            created.id.as_str(),
            None,
            state.transfers.session_ttl,
        )
        .map_err(|e| ApiError::Unexpected(e.into()))?;
    let mut cookies = vec![session_cookie(&state, jwt)];
    if let Some((email, password)) = login {
        let hash = web::block(move || suyuan_core::accounts::hash_password(&password))
            .await
            .map_err(|e| ApiError::Unexpected(anyhow::anyhow!("hashing: {e}")))?
            .map_err(|e| ApiError::Unexpected(anyhow::anyhow!("hashing: {e}")))?;
        let principal = suyuan_core::tenancy::Principal::Seller(created.id.clone());
        let now = chrono::Utc::now();
        let account = accounts::create(&state.db, &email, &principal, Some(hash), now).await?;
        let settings = session::session_settings(&req);
        let id = accounts::start_session(&state.db, &account.id, &settings.policy, now).await?;
        cookies.push(session::person_cookie(&state, &settings.policy, id));
    }
    Ok(see_other(
        &format!("/claim/{token}{}", lang_query(lang)),
        cookies,
    ))
}

/// What the claimant added, as the API's [`ClaimIn`].
fn claim_in(form: &FormData) -> ClaimIn {
    let get = |k: &str| form.get(k).cloned();
    ClaimIn {
        received_at: get("received_at"),
        certificate_number: get("certificate_number"),
        certificate_result: get("certificate_result"),
        inspection_result: get("inspection_result"),
        inspection_notes: get("inspection_notes"),
        inspector: get("inspector"),
    }
}

/// The page after a claim: what was recorded, any suspicious codes, and where to go next.
fn claimed_page(done: &transfers::Claimed, token: &str, lang: Lang, signed_in_as: &str) -> AppPage {
    let first = done.transfer.items.first().map(|i| i.code.clone());
    let mut page = base_page(&done.transfer, token, lang);
    page.title = Bi::new("已确认收货", "Receipt confirmed");
    page.intro.clear();
    page.qr = None;
    page.signed_in_as = Some(signed_in_as.to_owned());
    let (n, id) = (done.transfer.items.len(), &done.receipt.stored.id);
    page.notices.push(Notice {
        kind: NoticeKind::Success,
        text: Bi::new(
            format!("已认领：{n} 项货品已登记为进货记录（{id}）"),
            format!("Claimed: {n} items recorded as your receipt ({id})"),
        ),
    });
    for w in &done.receipt.warnings {
        page.notices.push(Notice {
            kind: NoticeKind::Error,
            text: Bi::new(
                format!("{}：{}", w.code, w.message_zh),
                format!("{}: {}", w.code, w.message_en),
            ),
        });
    }
    if let Some(code) = first {
        let seg = suyuan_widgets::path_segment(&code);
        page.links.push((
            format!("/app/sell?code={seg}"),
            Bi::new("登记销售", "Register a sale"),
        ));
        page.links.push((
            format!("/t/{seg}"),
            Bi::new("查看追溯信息", "See the trace page"),
        ));
    }
    page
}

/// `POST /claim/{token}`: the buyer confirms; the pre-filled receipt is recorded (channel
/// `claim`) and the transfer marked claimed, exactly once.
#[post("/claim/{token}")]
pub async fn claim_submit(
    req: HttpRequest,
    state: web::Data<AppState>,
    token: web::Path<String>,
    form: FormData,
) -> Result<HttpResponse, ApiError> {
    let lang = lang_of(&req);
    let Some(t) = transfers::find_by_token(&state.db, &token).await? else {
        return Ok(not_found_page(&state, lang));
    };
    if !csrf::verify(&state, &req, form.get("csrf").map(String::as_str)) {
        return render(
            &state,
            &req,
            (&t, &token),
            StatusCode::FORBIDDEN,
            vec![Notice {
                kind: NoticeKind::Error,
                text: Bi::new(
                    "表单已过期，请重新提交。",
                    "The form expired: submit it again.",
                ),
            }],
            Submitted {
                values: &form,
                errors: &[],
            },
        )
        .await;
    }
    let Some(me) = session::seller(&state, &req).await? else {
        return Ok(see_other(&signin_url(&format!("/claim/{token}")), vec![]));
    };
    let input = match claim_in(&form).parse(chrono::Utc::now()) {
        Ok(i) => i,
        Err(errors) => {
            return render(
                &state,
                &req,
                (&t, &token),
                StatusCode::UNPROCESSABLE_ENTITY,
                vec![Notice {
                    kind: NoticeKind::Error,
                    text: Bi::new(
                        "有字段需要更正，尚未认领",
                        "Some fields need correcting; nothing was claimed",
                    ),
                }],
                Submitted {
                    values: &form,
                    errors: &errors,
                },
            )
            .await;
        }
    };
    let claimant = seller_id(&me)?;
    match transfers::claim(&state.db, &state.catalogue, &claimant, &token, input).await {
        Ok(done) => {
            state
                .metrics
                .events_recorded
                .with_label_values(&["receipt"])
                .inc();
            let page = claimed_page(&done, &token, lang, &me.name);
            Ok(page_response(
                StatusCode::CREATED,
                &state,
                &page,
                lang,
                vec![],
            ))
        }
        Err(TransferError::Store(e)) => Err(ApiError::from(e)),
        Err(_) => {
            // Claimed meanwhile, expired, or not the buyer: the page says which.
            let fresh = transfers::find_by_token(&state.db, &token)
                .await?
                .ok_or(ApiError::NotFound("transfer"))?;
            render(
                &state,
                &req,
                (&fresh, &token),
                StatusCode::CONFLICT,
                vec![],
                Submitted {
                    values: &form,
                    errors: &[],
                },
            )
            .await
        }
    }
}

async fn qr_of(state: &AppState, token: &str) -> Result<Option<String>, ApiError> {
    Ok(transfers::find_by_token(&state.db, token)
        .await?
        .map(|_| suyuan_web::links::claim_url(&state.public_url, token)))
}

/// `GET /claim/{token}/qr.svg`: a QR code of the claim page.
#[get("/claim/{token}/qr.svg")]
pub async fn claim_qr_svg(
    state: web::Data<AppState>,
    token: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let Some(url) = qr_of(&state, &token).await? else {
        return Err(ApiError::NotFound("transfer"));
    };
    let svg = web::block(move || suyuan_widgets::qr_svg(&url))
        .await
        .map_err(|e| ApiError::Unexpected(e.into()))?
        .map_err(|e| ApiError::Unexpected(e.into()))?;
    Ok(HttpResponse::Ok()
        .content_type("image/svg+xml")
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .insert_header(("X-Content-Type-Options", "nosniff"))
        .body(svg))
}

/// `GET /claim/{token}/qr.png`: the same, as a PNG.
#[get("/claim/{token}/qr.png")]
pub async fn claim_qr_png(
    state: web::Data<AppState>,
    token: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let Some(url) = qr_of(&state, &token).await? else {
        return Err(ApiError::NotFound("transfer"));
    };
    let png = web::block(move || suyuan_widgets::qr_png(&url, 8))
        .await
        .map_err(|e| ApiError::Unexpected(e.into()))?
        .map_err(|e| ApiError::Unexpected(e.into()))?;
    Ok(HttpResponse::Ok()
        .content_type("image/png")
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .body(png))
}
