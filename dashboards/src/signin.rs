//! People's sign-in: `/signin` (e-mail and password, or "e-mail me a sign-in link"),
//! `/signout`, the single-use links mailed to people (`/signin/link?t=` signs in once,
//! `/signin/set-password?t=` accepts an invitation), and `/account/tokens`, where a signed-in
//! person mints an API token for their own scripts.
//!
//! A successful sign-in starts a server-side session (`suyuan_web::session`): the cookie holds
//! only its random id. Failed attempts are counted per account and per client address
//! (`suyuan_web::rate_limit::SigninLimits`): past five in a minute an account's next attempt is
//! answered 429 with `Retry-After` before its password is checked. Whether an address has an
//! account is never told: a wrong address and a wrong password get the same answer, and a
//! sign-in link request gets the same page either way.

use crate::app::forms::field;
use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use chrono::Utc;
use serde::Deserialize;
use std::sync::OnceLock;
use suyuan_core::accounts::{self as rules, Email, LinkKind};
use suyuan_core::tenancy::{Principal, Role};
use suyuan_store::accounts::{self, Account};
use suyuan_web::AppState;
use suyuan_web::auth::Tokens;
use suyuan_web::csrf::{self, CsrfForm, CsrfToken};
use suyuan_web::error::ApiError;
use suyuan_web::page::{lang_of, lang_query, page_response, see_other};
use suyuan_web::rate_limit::RateLimits;
use suyuan_web::session::{
    PersonForm, PersonSession, person_cookie, person_session_id, principal_counts, removal_cookies,
    session_settings,
};
use suyuan_widgets::{AppPage, Bi, FieldKind, FormField, FormView, Lang, Notice, NoticeKind};

/// A `next` target that stays on this service, or `None`.
pub(crate) fn safe_next(next: Option<&str>) -> Option<String> {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') => {
            Some(n.to_owned())
        }
        _ => None,
    }
}

/// Where a person lands after signing in without a `next`: their role's dashboard.
fn landing(principal: &Principal) -> &'static str {
    crate::board::landing(principal.role())
}

fn error_notice(zh: &str, en: &str) -> Notice {
    Notice {
        kind: NoticeKind::Error,
        text: Bi::new(zh, en),
    }
}

/// The sign-in page: e-mail and password, a sign-in link by e-mail, and (for devices set up
/// before accounts) an API token.
fn signin_page(
    csrf: &str,
    next: &str,
    lang: Lang,
    email: Option<&str>,
    notices: Vec<Notice>,
) -> AppPage {
    let q = lang_query(lang);
    AppPage {
        title: Bi::new("登录", "Sign in"),
        notices,
        intro: vec![Bi::new(
            "销售者、监管人员、平台运营方和管理员用电子邮箱和密码登录。",
            "Sellers, supervisors, marketplace operators and administrators sign in with their e-mail address and password.",
        )],
        forms: vec![
            FormView {
                id: "password".into(),
                action: format!("/signin{q}"),
                heading: None,
                csrf: csrf.to_owned(),
                fields: vec![
                    FormField::new("next", Bi::default(), FieldKind::Hidden).value(Some(next)),
                    FormField::new("email", Bi::new("电子邮箱", "E-mail"), FieldKind::Email)
                        .value(email)
                        .required(),
                    FormField::new("password", Bi::new("密码", "Password"), FieldKind::Password)
                        .required(),
                ],
                submit: Bi::new("登录", "Sign in"),
            },
            FormView {
                id: "magic".into(),
                action: format!("/signin/magic-link{q}"),
                heading: Some(Bi::new(
                    "忘记密码？用邮件登录",
                    "No password at hand? Sign in by e-mail",
                )),
                csrf: csrf.to_owned(),
                fields: vec![
                    FormField::new("email", Bi::new("电子邮箱", "E-mail"), FieldKind::Email)
                        .required(),
                ],
                submit: Bi::new("给我发送登录链接", "E-mail me a sign-in link"),
            },
            FormView {
                id: "signin".into(),
                action: format!("/app/signin{q}"),
                heading: Some(Bi::new(
                    "用 API 令牌登录（旧设备）",
                    "Sign in with an API token (older devices)",
                )),
                csrf: csrf.to_owned(),
                fields: vec![
                    FormField::new("next", Bi::default(), FieldKind::Hidden).value(Some(next)),
                    FormField::new(
                        "token",
                        Bi::new("API 令牌", "API token"),
                        FieldKind::TextArea,
                    )
                    .required(),
                ],
                submit: Bi::new("用令牌登录", "Sign in with the token"),
            },
        ],
        links: vec![("/".into(), Bi::new("首页", "Home"))],
        ..Default::default()
    }
}

/// Query of the sign-in page.
#[derive(Debug, Deserialize)]
pub struct NextQuery {
    /// Where to go after signing in.
    pub next: Option<String>,
}

/// `GET /signin?next=…`: the sign-in page.
#[get("/signin")]
pub async fn signin_form(
    req: HttpRequest,
    state: web::Data<AppState>,
    q: web::Query<NextQuery>,
    CsrfToken { token, cookie }: CsrfToken,
) -> HttpResponse {
    let lang = lang_of(&req);
    let next = safe_next(q.next.as_deref()).unwrap_or_default();
    let page = signin_page(&token, &next, lang, None, vec![]);
    page_response(
        StatusCode::OK,
        &state,
        &page,
        lang,
        cookie.into_iter().collect(),
    )
}

/// A hash to check passwords against when the address has no account, so both answers take
/// about as long.
fn decoy_hash() -> &'static str {
    static DECOY: OnceLock<String> = OnceLock::new();
    DECOY.get_or_init(|| rules::hash_password("decoy-password-never-matches").unwrap_or_default())
}

/// `POST /signin`: e-mail and password. Refused (the same answer for an unknown address and a
/// wrong password) with 401; past the failure limit with 429 and `Retry-After`.
#[post("/signin")]
pub async fn signin(
    req: HttpRequest,
    state: web::Data<AppState>,
    limits: Option<web::Data<RateLimits>>,
    CsrfForm(form): CsrfForm,
) -> Result<HttpResponse, ApiError> {
    let lang = lang_of(&req);
    let next = safe_next(field(&form, "next"));
    let raw_email = field(&form, "email").unwrap_or_default();
    let csrf = csrf::token(&state, &req).token;
    let email = match Email::parse(raw_email) {
        Ok(e) => e,
        Err(e) => {
            let mut page = signin_page(
                &csrf,
                next.as_deref().unwrap_or(""),
                lang,
                Some(raw_email),
                vec![],
            );
            if let Some(f) = page.forms[0].fields.iter_mut().find(|f| f.name == "email") {
                f.error = Some(Bi::new(
                    format!("email：{}", e.zh),
                    format!("email: {}", e.en),
                ));
            }
            return Ok(page_response(
                StatusCode::UNPROCESSABLE_ENTITY,
                &state,
                &page,
                lang,
                vec![],
            ));
        }
    };
    let address = limits.as_ref().and_then(|l| l.client_ip(&req));
    if let Some(wait) = limits
        .as_ref()
        .and_then(|l| l.signin.blocked(email.as_str(), address))
    {
        let page = signin_page(
            &csrf,
            next.as_deref().unwrap_or(""),
            lang,
            Some(email.as_str()),
            vec![error_notice(
                &format!("登录失败次数过多，请 {wait} 秒后再试。"),
                &format!("Too many failed sign-ins: try again in {wait} s."),
            )],
        );
        let mut res = page_response(StatusCode::TOO_MANY_REQUESTS, &state, &page, lang, vec![]);
        if let Ok(v) = header::HeaderValue::from_str(&wait.to_string()) {
            res.headers_mut().insert(header::RETRY_AFTER, v);
        }
        return Ok(res);
    }
    let password = form.get("password").cloned().unwrap_or_default();
    let found = accounts::credentials(&state.db, &email).await?;
    let (account, hash) = match found {
        Some((a, h)) => (Some(a), h),
        None => (None, decoy_hash().to_owned()),
    };
    let matches = web::block(move || rules::verify_password(&hash, &password))
        .await
        .map_err(|e| ApiError::Unexpected(anyhow::anyhow!("password check: {e}")))?;
    let account = match account {
        Some(a) if matches && principal_counts(&state, &a.principal).await? => a,
        _ => {
            if let Some(l) = &limits {
                l.signin.failed(email.as_str(), address);
            }
            let page = signin_page(
                &csrf,
                next.as_deref().unwrap_or(""),
                lang,
                Some(email.as_str()),
                vec![error_notice(
                    "邮箱或密码不正确。",
                    "Wrong e-mail address or password.",
                )],
            );
            return Ok(page_response(
                StatusCode::UNAUTHORIZED,
                &state,
                &page,
                lang,
                vec![],
            ));
        }
    };
    start(&state, &req, &account, next).await
}

/// Starts a session for `account` and sends the person on to `next` (or their landing page).
async fn start(
    state: &AppState,
    req: &HttpRequest,
    account: &Account,
    next: Option<String>,
) -> Result<HttpResponse, ApiError> {
    let settings = session_settings(req);
    let id = accounts::start_session(&state.db, &account.id, &settings.policy, Utc::now()).await?;
    tracing::info!(account = %account.id, "signed in");
    let to = next.unwrap_or_else(|| landing(&account.principal).to_owned());
    Ok(see_other(
        &to,
        vec![person_cookie(state, &settings.policy, id)],
    ))
}

/// Ends this device's session server-side (when it has one) and clears its cookies.
pub(crate) async fn end_session(
    state: &AppState,
    req: &HttpRequest,
) -> Result<HttpResponse, ApiError> {
    if let Some(id) = person_session_id(req) {
        accounts::revoke_session(&state.db, &id, Utc::now()).await?;
    }
    Ok(see_other(
        &format!("/signin{}", lang_query(lang_of(req))),
        removal_cookies(state),
    ))
}

/// `POST /signout`: ends the session server-side (the old cookie no longer works anywhere).
#[post("/signout")]
pub async fn signout(
    req: HttpRequest,
    state: web::Data<AppState>,
    _: CsrfForm,
) -> Result<HttpResponse, ApiError> {
    end_session(&state, &req).await
}

/// `POST /signin/magic-link`: queues a sign-in link (15 minutes, single use) to the address
/// when it has an account; the same page either way.
#[post("/signin/magic-link")]
pub async fn magic_link(
    req: HttpRequest,
    state: web::Data<AppState>,
    CsrfForm(form): CsrfForm,
) -> Result<HttpResponse, ApiError> {
    let lang = lang_of(&req);
    let raw = field(&form, "email").unwrap_or_default();
    let csrf = csrf::token(&state, &req).token;
    let email = match Email::parse(raw) {
        Ok(e) => e,
        Err(e) => {
            let mut page = signin_page(&csrf, "", lang, None, vec![]);
            if let Some(f) = page.forms[1].fields.iter_mut().find(|f| f.name == "email") {
                f.value = Some(raw.to_owned());
                f.error = Some(Bi::new(
                    format!("email：{}", e.zh),
                    format!("email: {}", e.en),
                ));
            }
            return Ok(page_response(
                StatusCode::UNPROCESSABLE_ENTITY,
                &state,
                &page,
                lang,
                vec![],
            ));
        }
    };
    if let Err(e) =
        accounts::request_magic_link(&state.db, &state.secret_key, &email, Utc::now()).await
    {
        tracing::error!(error = %e, "queuing a sign-in link failed");
    }
    let page = AppPage {
        title: Bi::new("请查收邮件", "Check your mail"),
        notices: vec![Notice {
            kind: NoticeKind::Success,
            text: Bi::new(
                "如果该邮箱已注册账号，我们已发送一封含登录链接的邮件（15 分钟内有效，仅可使用一次）。",
                "If the address has an account, a mail with a sign-in link is on its way (valid 15 minutes, once).",
            ),
        }],
        links: vec![(
            format!("/signin{}", lang_query(lang)),
            Bi::new("返回登录", "Back to sign-in"),
        )],
        ..Default::default()
    };
    Ok(page_response(StatusCode::OK, &state, &page, lang, vec![]))
}

/// The `t` of a link page.
#[derive(Debug, Deserialize)]
pub struct LinkQuery {
    /// The link's token.
    pub t: Option<String>,
}

fn link_refused(state: &AppState, lang: Lang) -> HttpResponse {
    let page = AppPage {
        title: Bi::new("链接无效", "Link not valid"),
        notices: vec![error_notice(
            "t：链接无效、已过期或已使用过。请重新申请登录链接，或请管理员再次邀请。",
            "t: the link is not valid, has expired or was used already. Ask for a new sign-in link, or a new invitation.",
        )],
        links: vec![(
            format!("/signin{}", lang_query(lang)),
            Bi::new("登录", "Sign in"),
        )],
        ..Default::default()
    };
    page_response(StatusCode::BAD_REQUEST, state, &page, lang, vec![])
}

/// `GET /signin/link?t=`: asks to confirm (mail scanners that open links do not use it up).
#[get("/signin/link")]
pub async fn link_page(
    req: HttpRequest,
    state: web::Data<AppState>,
    q: web::Query<LinkQuery>,
    CsrfToken { token, cookie }: CsrfToken,
) -> Result<HttpResponse, ApiError> {
    let lang = lang_of(&req);
    let t = q.t.clone().unwrap_or_default();
    let Some(account) = accounts::peek_link(&state.db, &t, LinkKind::MagicLink, Utc::now()).await?
    else {
        return Ok(link_refused(&state, lang));
    };
    let page = AppPage {
        title: Bi::new("登录", "Sign in"),
        intro: vec![Bi::new(
            format!("以 {} 登录溯源。", account.email),
            format!("Sign in to Suyuan as {}.", account.email),
        )],
        forms: vec![FormView {
            id: "link".into(),
            action: format!("/signin/link{}", lang_query(lang)),
            heading: None,
            csrf: token,
            fields: vec![FormField::new("t", Bi::default(), FieldKind::Hidden).value(Some(&t))],
            submit: Bi::new("登录", "Sign in"),
        }],
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

/// `POST /signin/link`: uses the sign-in link once and signs in.
#[post("/signin/link")]
pub async fn link_signin(
    req: HttpRequest,
    state: web::Data<AppState>,
    CsrfForm(form): CsrfForm,
) -> Result<HttpResponse, ApiError> {
    let lang = lang_of(&req);
    let t = field(&form, "t").unwrap_or_default();
    match accounts::use_link(&state.db, t, LinkKind::MagicLink, Utc::now()).await? {
        Some(a) if principal_counts(&state, &a.principal).await? => {
            start(&state, &req, &a, None).await
        }
        _ => Ok(link_refused(&state, lang)),
    }
}

fn set_password_page(
    csrf: &str,
    t: &str,
    email: &str,
    lang: Lang,
    notices: Vec<Notice>,
) -> AppPage {
    AppPage {
        title: Bi::new("设置密码", "Set your password"),
        notices,
        intro: vec![Bi::new(
            format!("为 {email} 设置密码（至少 10 个字符，不能与邮箱相同）。"),
            format!(
                "Set the password of {email} (at least 10 characters, not the e-mail address)."
            ),
        )],
        forms: vec![FormView {
            id: "set-password".into(),
            action: format!("/signin/set-password{}", lang_query(lang)),
            heading: None,
            csrf: csrf.to_owned(),
            fields: vec![
                FormField::new("t", Bi::default(), FieldKind::Hidden).value(Some(t)),
                FormField::new(
                    "password",
                    Bi::new("新密码", "New password"),
                    FieldKind::Password,
                )
                .required(),
                FormField::new(
                    "password_again",
                    Bi::new("再次输入新密码", "New password again"),
                    FieldKind::Password,
                )
                .required(),
            ],
            submit: Bi::new("设置密码并登录", "Set the password and sign in"),
        }],
        ..Default::default()
    }
}

/// `GET /signin/set-password?t=`: an invitation's page, setting the password.
#[get("/signin/set-password")]
pub async fn set_password_form(
    req: HttpRequest,
    state: web::Data<AppState>,
    q: web::Query<LinkQuery>,
    CsrfToken { token, cookie }: CsrfToken,
) -> Result<HttpResponse, ApiError> {
    let lang = lang_of(&req);
    let t = q.t.clone().unwrap_or_default();
    let Some(account) =
        accounts::peek_link(&state.db, &t, LinkKind::Invitation, Utc::now()).await?
    else {
        return Ok(link_refused(&state, lang));
    };
    let page = set_password_page(&token, &t, &account.email, lang, vec![]);
    Ok(page_response(
        StatusCode::OK,
        &state,
        &page,
        lang,
        cookie.into_iter().collect(),
    ))
}

/// `POST /signin/set-password`: checks the password (named by field when refused), accepts the
/// invitation once, and signs in.
#[post("/signin/set-password")]
pub async fn set_password(
    req: HttpRequest,
    state: web::Data<AppState>,
    CsrfForm(form): CsrfForm,
) -> Result<HttpResponse, ApiError> {
    let lang = lang_of(&req);
    let t = field(&form, "t").unwrap_or_default().to_owned();
    let now = Utc::now();
    let Some(account) = accounts::peek_link(&state.db, &t, LinkKind::Invitation, now).await? else {
        return Ok(link_refused(&state, lang));
    };
    let password = form.get("password").cloned().unwrap_or_default();
    let again = form.get("password_again").cloned().unwrap_or_default();
    let email = Email::parse(&account.email)
        .map_err(|e| ApiError::Unexpected(anyhow::anyhow!("stored address: {e}")))?;
    let problem = match rules::check_password(&password, &email) {
        Err(p) => Some((
            "password",
            Bi::new(format!("password：{}", p.zh()), format!("password: {p}")),
        )),
        Ok(()) if password != again => Some((
            "password_again",
            Bi::new(
                "password_again：两次输入的密码不一致",
                "password_again: the passwords differ",
            ),
        )),
        Ok(()) => None,
    };
    if let Some((name, text)) = problem {
        let csrf = csrf::token(&state, &req).token;
        let mut page = set_password_page(&csrf, &t, &account.email, lang, vec![]);
        if let Some(f) = page.forms[0].fields.iter_mut().find(|f| f.name == name) {
            f.error = Some(text);
        }
        return Ok(page_response(
            StatusCode::UNPROCESSABLE_ENTITY,
            &state,
            &page,
            lang,
            vec![],
        ));
    }
    let hash = web::block(move || rules::hash_password(&password))
        .await
        .map_err(|e| ApiError::Unexpected(anyhow::anyhow!("hashing: {e}")))?
        .map_err(|e| ApiError::Unexpected(anyhow::anyhow!("hashing: {e}")))?;
    match accounts::accept_invitation(&state.db, &t, hash, now).await? {
        Some(a) => start(&state, &req, &a, None).await,
        None => Ok(link_refused(&state, lang)),
    }
}

const TTL_CHOICES: [(&str, &str, &str, u64); 3] = [
    ("30d", "30 天", "30 days", 30),
    ("90d", "90 天", "90 days", 90),
    ("365d", "1 年", "1 year", 365),
];

fn tokens_page(
    csrf: &str,
    who: &Principal,
    lang: Lang,
    notices: Vec<Notice>,
    minted: Option<(String, String)>,
) -> AppPage {
    let mut facts = vec![(
        Bi::new("身份", "Signed in as"),
        format!("{} {}", who.role().as_str(), who.subject()),
    )];
    if let Some((token, expires)) = &minted {
        facts.push((
            Bi::new("新令牌（只显示这一次）", "New token (shown this once)"),
            token.clone(),
        ));
        facts.push((Bi::new("有效期至", "Valid until"), expires.clone()));
    }
    AppPage {
        title: Bi::new("API 令牌", "API tokens"),
        signed_in_as: Some(who.subject().to_owned()),
        notices,
        intro: vec![Bi::new(
            "为您自己的脚本或系统生成 API 令牌（Authorization: Bearer …）。令牌只显示一次，请妥善保存；它代表您的身份。",
            "Mint an API token for your own scripts or systems (Authorization: Bearer …). It is shown once: keep it safe, it speaks for you.",
        )],
        facts,
        forms: vec![
            FormView {
                id: "mint".into(),
                action: format!("/account/tokens{}", lang_query(lang)),
                heading: None,
                csrf: csrf.to_owned(),
                fields: vec![FormField::new(
                    "ttl",
                    Bi::new("有效期", "Lifetime"),
                    FieldKind::Select(
                        TTL_CHOICES
                            .iter()
                            .map(|(v, zh, en, _)| ((*v).to_owned(), Bi::new(*zh, *en)))
                            .collect(),
                    ),
                )],
                submit: Bi::new("生成令牌", "Mint a token"),
            },
            FormView {
                id: "signout".into(),
                action: format!("/signout{}", lang_query(lang)),
                heading: None,
                csrf: csrf.to_owned(),
                fields: vec![],
                submit: Bi::new("退出登录", "Sign out"),
            },
        ],
        links: match who.role() {
            Role::Seller => vec![("/app/scan".into(), Bi::new("扫码收货", "Scan goods in"))],
            _ => vec![("/".into(), Bi::new("首页", "Home"))],
        },
        ..Default::default()
    }
}

/// `GET /account/tokens`: the signed-in person's token page.
#[get("/account/tokens")]
pub async fn tokens_form(
    req: HttpRequest,
    state: web::Data<AppState>,
    me: PersonSession,
    CsrfToken { token, cookie }: CsrfToken,
) -> HttpResponse {
    let lang = lang_of(&req);
    let page = tokens_page(&token, &me.principal, lang, vec![], None);
    page_response(
        StatusCode::OK,
        &state,
        &page,
        lang,
        cookie.into_iter().collect(),
    )
}

/// `POST /account/tokens`: mints a token for the signed-in person and shows it once.
#[post("/account/tokens")]
pub async fn mint_token(
    req: HttpRequest,
    state: web::Data<AppState>,
    tokens: web::Data<Tokens>,
    me: PersonForm,
) -> Result<HttpResponse, ApiError> {
    let lang = lang_of(&req);
    let csrf = csrf::token(&state, &req).token;
    let chosen = me.form.get("ttl").map(String::as_str).unwrap_or("30d");
    let Some((_, _, _, days)) = TTL_CHOICES.iter().find(|(v, ..)| *v == chosen) else {
        let page = tokens_page(
            &csrf,
            &me.principal,
            lang,
            vec![error_notice("ttl：请选择有效期", "ttl: choose a lifetime")],
            None,
        );
        return Ok(page_response(
            StatusCode::UNPROCESSABLE_ENTITY,
            &state,
            &page,
            lang,
            vec![],
        ));
    };
    let p = &me.principal;
    let jurisdiction = match p {
        Principal::Supervisor { jurisdiction, .. } => Some(jurisdiction.to_string()),
        _ => None,
    };
    let ttl = std::time::Duration::from_secs(days * 24 * 3600);
    let minted = tokens
        .mint(p.role(), p.subject(), jurisdiction.as_deref(), ttl)
        .map_err(|e| ApiError::Unexpected(anyhow::anyhow!("minting a token: {e}")))?;
    let expires = (Utc::now() + chrono::Duration::days(i64::try_from(*days).unwrap_or(30)))
        .format("%Y-%m-%d")
        .to_string();
    tracing::info!(
        subject = p.subject(),
        "API token minted from the token page"
    );
    let page = tokens_page(&csrf, p, lang, vec![], Some((minted, expires)));
    Ok(page_response(
        StatusCode::CREATED,
        &state,
        &page,
        lang,
        vec![],
    ))
}
