//! Sessions of the people's pages. A person signs in with an e-mail address and password (or a
//! single-use link) and gets a server-side session: the `suyuan_session` cookie (HttpOnly,
//! SameSite=Lax, Secure when the public URL is https) carries a random session id whose SHA-256
//! the store keeps ([`suyuan_store::accounts`]), so signing out or an admin's revocation ends it
//! everywhere at once. For machines and older devices, a bearer token works too, and so does the
//! older `suyuan_token` cookie holding a seller's API token (pasted at `/app/signin`).
//!
//! A page for signed-in sellers takes a [`SellerSession`], a form post a [`SellerForm`] (its
//! CSRF token checked first). What a request without a session gets is the extractor's type
//! parameter, a [`SignedOut`]: a redirect to the sign-in page that comes back to this page
//! ([`BackHere`], the default) or to this path ([`BackToPath`]), or a 401 for scripts
//! ([`Refuse`]).
//!
//! A session counts only while its account does (see [`crate::auth`]): the account is read on
//! every request, so a deactivated or rejected account, or a revoked token, is signed out at
//! once. A provisional account (made from a claim link) has a session, but only for its claim
//! page and its transfers ([`ClaimantSession`]); [`SellerSession`] answers it 403, "awaiting
//! verification".

use crate::AppState;
use crate::auth::Tokens;
use crate::csrf::CsrfForm;
use crate::error::ApiError;
use crate::page::{current_path, data_of, see_other};
use actix_web::cookie::{Cookie, SameSite};
use actix_web::dev::Payload;
use actix_web::error::InternalError;
use actix_web::http::{StatusCode, header};
use actix_web::{FromRequest, HttpMessage as _, HttpRequest, web};
use chrono::{DateTime, Utc};
use futures_util::future::LocalBoxFuture;
use std::collections::HashMap;
use std::marker::PhantomData;
use suyuan_core::accounts::SessionPolicy;
use suyuan_core::ids::SellerId;
use suyuan_core::standing::{Access, Standing, Verification, access};
use suyuan_core::tenancy::Principal;
use suyuan_store::accounts::{self, Account};
use suyuan_store::entity::seller;
use suyuan_store::tenants;
use suyuan_widgets::{AppPage, Bi, Notice, NoticeKind};

/// The older cookie holding a seller's API token (pasted at `/app/signin`).
pub const SESSION_COOKIE: &str = "suyuan_token";
/// The cookie of a person's server-side session: the session id.
pub const PERSON_COOKIE: &str = "suyuan_session";
/// The sign-in page.
pub const SIGNIN_PATH: &str = "/signin";

/// How long people's sessions last (register as `web::Data<SessionSettings>`; without it, the
/// defaults: 30 days, 7 days idle).
#[derive(Clone, Debug, Default)]
pub struct SessionSettings {
    /// Lifetime and idle limit.
    pub policy: SessionPolicy,
}

/// The session settings of a request's app (the defaults when none are registered).
pub fn session_settings(req: &HttpRequest) -> SessionSettings {
    req.app_data::<web::Data<SessionSettings>>()
        .map(|d| d.get_ref().clone())
        .unwrap_or_default()
}

/// The cookie carrying a person's session id.
pub fn person_cookie(state: &AppState, policy: &SessionPolicy, id: String) -> Cookie<'static> {
    Cookie::build(PERSON_COOKIE, id)
        .path("/")
        .http_only(true)
        .secure(state.secure_cookies())
        .same_site(SameSite::Lax)
        .max_age(actix_web::cookie::time::Duration::seconds(
            policy.lifetime.num_seconds(),
        ))
        .finish()
}

/// The cookies that end every kind of page session on this device (signing out).
pub fn removal_cookies(state: &AppState) -> Vec<Cookie<'static>> {
    let mut person = person_cookie(state, &SessionPolicy::default(), String::new());
    person.make_removal();
    vec![person, removal_cookie(state)]
}

/// The session id a request's cookie carries, if any.
pub fn person_session_id(req: &HttpRequest) -> Option<String> {
    req.cookie(PERSON_COOKIE)
        .map(|c| c.value().to_owned())
        .filter(|v| !v.is_empty())
}

/// The signed-in person of a request's `suyuan_session` cookie, when the session counts (not
/// revoked, expired or idle), with when it began.
pub async fn signed_in(
    state: &AppState,
    req: &HttpRequest,
) -> Result<Option<(Account, DateTime<Utc>)>, ApiError> {
    let Some(id) = person_session_id(req) else {
        return Ok(None);
    };
    let settings = session_settings(req);
    Ok(accounts::session(&state.db, &id, &settings.policy, Utc::now()).await?)
}

/// A seller's row when its account still counts for a session begun at `since` (not
/// deactivated, rejected, or its tokens and sessions revoked after); a provisional one included.
async fn counting_seller(
    state: &AppState,
    id: &SellerId,
    since: DateTime<Utc>,
) -> Result<Option<seller::Model>, ApiError> {
    let Some(row) = tenants::seller_row(&state.db, id.as_str()).await? else {
        return Ok(None);
    };
    let standing = standing_of_row(&row)?;
    Ok(match access(&standing, since) {
        Access::Refused(_) => None,
        Access::Full | Access::ClaimOnly => Some(row),
    })
}

/// Whether a principal may sign in now: a seller's account must still count (not deactivated
/// or rejected); other roles always may.
pub async fn principal_counts(state: &AppState, principal: &Principal) -> Result<bool, ApiError> {
    match principal {
        Principal::Seller(id) => Ok(counting_seller(state, id, Utc::now()).await?.is_some()),
        _ => Ok(true),
    }
}

fn standing_of_row(row: &seller::Model) -> Result<Standing, ApiError> {
    Ok(Standing {
        verification: row.verification.parse().map_err(
            |e: suyuan_core::standing::UnknownVerification| {
                ApiError::Unexpected(anyhow::anyhow!("seller {}: {e}", row.id))
            },
        )?,
        deactivated_at: row.deactivated_at,
        tokens_valid_after: row.tokens_valid_after,
    })
}

/// The session cookie for a seller's token.
pub fn session_cookie(state: &AppState, token: String) -> Cookie<'static> {
    Cookie::build(SESSION_COOKIE, token)
        .path("/")
        .http_only(true)
        .secure(state.secure_cookies())
        .same_site(SameSite::Lax)
        .max_age(actix_web::cookie::time::Duration::seconds(
            i64::try_from(state.transfers.session_ttl.as_secs()).unwrap_or(30 * 24 * 3600),
        ))
        .finish()
}

/// The cookie that ends a session (signing out).
pub fn removal_cookie(state: &AppState) -> Cookie<'static> {
    let mut gone = session_cookie(state, String::new());
    gone.make_removal();
    gone
}

/// The sign-in page URL that comes back to `next`.
pub fn signin_url(next: &str) -> String {
    format!(
        "{SIGNIN_PATH}?next={}",
        url::form_urlencoded::byte_serialize(next.as_bytes()).collect::<String>()
    )
}

/// The seller a token names, when it is a valid seller's token.
pub fn seller_of_token(req: &HttpRequest, token: &str) -> Option<SellerId> {
    let tokens = req.app_data::<web::Data<Tokens>>()?;
    match tokens.verify(token).ok()? {
        Principal::Seller(id) => Some(id),
        _ => None,
    }
}

/// The signed-in seller's id, from a bearer token or the session cookie (the token is checked,
/// the account is not looked up: only for choosing what a public page offers, never for access).
pub fn seller_id(req: &HttpRequest) -> Option<SellerId> {
    seller_of_token(req, &session_token(req)?)
}

/// The signed-in seller's id, from a person's session, a bearer token or the older token
/// cookie (the account's standing is not checked: only for choosing what a public page offers,
/// never for access).
pub async fn signed_in_seller_id(state: &AppState, req: &HttpRequest) -> Option<SellerId> {
    if person_session_id(req).is_some() {
        return match signed_in(state, req).await {
            Ok(Some((account, _))) => match account.principal {
                Principal::Seller(id) => Some(id),
                _ => None,
            },
            _ => None,
        };
    }
    seller_id(req)
}

/// The session token of a request: a bearer token, else the session cookie.
fn session_token(req: &HttpRequest) -> Option<String> {
    let bearer = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::to_owned);
    bearer.or_else(|| req.cookie(SESSION_COOKIE).map(|c| c.value().to_owned()))
}

/// The seller `token` signs in, if it is a valid seller's token whose account still counts
/// (not deactivated, rejected or revoked); a provisional account included.
pub async fn seller_for_token(
    state: &AppState,
    req: &HttpRequest,
    token: &str,
) -> Result<Option<seller::Model>, ApiError> {
    let Some(tokens) = req.app_data::<web::Data<Tokens>>() else {
        return Ok(None);
    };
    let Ok((Principal::Seller(id), issued_at)) = tokens.verify_issued(token) else {
        return Ok(None);
    };
    counting_seller(state, &id, issued_at).await
}

/// The signed-in seller (a person's session, else a bearer token or the older token cookie), if
/// its account still counts (a provisional account included: see [`is_provisional`]).
pub async fn seller(
    state: &AppState,
    req: &HttpRequest,
) -> Result<Option<seller::Model>, ApiError> {
    if let Some((account, since)) = signed_in(state, req).await? {
        return match account.principal {
            Principal::Seller(id) => counting_seller(state, &id, since).await,
            _ => Ok(None),
        };
    }
    match session_token(req) {
        Some(token) => seller_for_token(state, req, &token).await,
        None => Ok(None),
    }
}

/// Whether a signed-in account is provisional (made from a claim link, awaiting review).
pub fn is_provisional(me: &seller::Model) -> bool {
    me.verification != Verification::Verified.as_str()
}

/// The page a provisional account gets where only verified sellers may go (403).
fn awaiting_page(req: &HttpRequest) -> actix_web::Error {
    let lang = crate::page::lang_of(req);
    let page = AppPage {
        title: Bi::new("账号待审核", "Account awaiting verification"),
        notices: vec![Notice {
            kind: NoticeKind::Error,
            text: Bi::new(crate::error::AWAITING_ZH, crate::error::AWAITING_EN),
        }],
        links: vec![(
            "/app/transfers".to_owned(),
            Bi::new("我的认领", "My transfers"),
        )],
        ..Default::default()
    };
    match data_of(req) {
        Ok(state) => InternalError::from_response(
            "awaiting verification",
            crate::page::page_response(StatusCode::FORBIDDEN, &state, &page, lang, vec![]),
        )
        .into(),
        Err(e) => e.into(),
    }
}

/// What a request without a seller session is answered with.
pub trait SignedOut {
    /// The answer to a request without a session.
    fn answer(req: &HttpRequest) -> actix_web::Error;

    /// The answer to a provisional account where only verified sellers may go: a 403 page.
    fn awaiting(req: &HttpRequest) -> actix_web::Error {
        awaiting_page(req)
    }
}

/// The answer "sign in first": a 303 to the sign-in page that comes back to `next`.
pub fn sign_in_first(next: &str) -> actix_web::Error {
    InternalError::from_response("not signed in", see_other(&signin_url(next), vec![])).into()
}

/// Sign in, then come back to this page (path and query).
#[derive(Debug, Clone, Copy)]
pub struct BackHere;

impl SignedOut for BackHere {
    fn answer(req: &HttpRequest) -> actix_web::Error {
        sign_in_first(&current_path(req))
    }
}

/// Sign in, then come back to this path (without the query).
#[derive(Debug, Clone, Copy)]
pub struct BackToPath;

impl SignedOut for BackToPath {
    fn answer(req: &HttpRequest) -> actix_web::Error {
        sign_in_first(req.path())
    }
}

/// Refused with 401 problem+json (for scripts, which cannot follow a sign-in page).
#[derive(Debug, Clone, Copy)]
pub struct Refuse;

impl SignedOut for Refuse {
    fn answer(_: &HttpRequest) -> actix_web::Error {
        ApiError::Unauthenticated("not signed in".into()).into()
    }

    fn awaiting(_: &HttpRequest) -> actix_web::Error {
        ApiError::AwaitingVerification.into()
    }
}

/// The signed-in, verified seller of a page; without one the request is answered as `S` says,
/// and a provisional account gets 403 (`S::awaiting`).
pub struct SellerSession<S = BackHere> {
    /// The seller.
    pub seller: seller::Model,
    signed_out: PhantomData<fn() -> S>,
}

impl<S: SignedOut> SellerSession<S> {
    /// Reads the session of a request (as the extractor does).
    pub async fn of(req: &HttpRequest) -> Result<Self, actix_web::Error> {
        let ClaimantSession { seller, .. } = ClaimantSession::<S>::of(req).await?;
        if is_provisional(&seller) {
            return Err(S::awaiting(req));
        }
        Ok(SellerSession {
            seller,
            signed_out: PhantomData,
        })
    }
}

/// The signed-in seller of a page, a provisional account included (its claim page and its
/// transfers, which the store limits to the transfer it was made from).
pub struct ClaimantSession<S = BackHere> {
    /// The seller.
    pub seller: seller::Model,
    signed_out: PhantomData<fn() -> S>,
}

impl<S: SignedOut> ClaimantSession<S> {
    /// Reads the session of a request (as the extractor does).
    pub async fn of(req: &HttpRequest) -> Result<Self, actix_web::Error> {
        let state = data_of(req)?;
        match seller(&state, req).await? {
            Some(seller) => Ok(ClaimantSession {
                seller,
                signed_out: PhantomData,
            }),
            None => Err(S::answer(req)),
        }
    }
}

impl<S: SignedOut + 'static> FromRequest for ClaimantSession<S> {
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self, actix_web::Error>>;
    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move { Self::of(&req).await })
    }
}

impl<S: SignedOut + 'static> FromRequest for SellerSession<S> {
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self, actix_web::Error>>;
    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move { Self::of(&req).await })
    }
}

/// A form posted by a signed-in seller, checked in this order: its CSRF token (as [`CsrfForm`]),
/// then the session (without one, answered as `S` says).
pub struct SellerForm<S = BackHere> {
    /// The seller.
    pub seller: seller::Model,
    /// The form, field by field.
    pub form: HashMap<String, String>,
    signed_out: PhantomData<fn() -> S>,
}

impl<S: SignedOut + 'static> FromRequest for SellerForm<S> {
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self, actix_web::Error>>;
    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let form = CsrfForm::from_request(req, payload);
        let req = req.clone();
        Box::pin(async move {
            let CsrfForm(form) = form.await?;
            let SellerSession { seller, .. } = SellerSession::<S>::of(&req).await?;
            Ok(SellerForm {
                seller,
                form,
                signed_out: PhantomData,
            })
        })
    }
}

/// Who a page's person session belongs to: left in the request's extensions by
/// [`PersonSession`], so that the page shell can say who is signed in and offer to sign out.
#[derive(Clone, Debug)]
pub struct SignedInAs {
    /// The account's address.
    pub email: String,
    /// Its role.
    pub role: suyuan_core::tenancy::Role,
}

/// The signed-in person of a page, whatever their role (seller, supervisor, operator, admin);
/// without a session the request is answered as `S` says. A seller's account must still count
/// (not deactivated, rejected or revoked) and be verified (a provisional account gets
/// `S::awaiting`). Pages check the role they serve with [`PersonSession::require`].
pub struct PersonSession<S = BackHere> {
    /// Who: the role, the id and (a supervisor) the jurisdiction.
    pub principal: Principal,
    signed_out: PhantomData<fn() -> S>,
}

impl<S: SignedOut> PersonSession<S> {
    /// Reads the session of a request (as the extractor does).
    pub async fn of(req: &HttpRequest) -> Result<Self, actix_web::Error> {
        let state = data_of(req)?;
        if let Some((account, since)) = signed_in(&state, req).await? {
            if let Principal::Seller(id) = &account.principal {
                match counting_seller(&state, id, since).await? {
                    None => return Err(S::answer(req)),
                    Some(row) if is_provisional(&row) => return Err(S::awaiting(req)),
                    Some(_) => {}
                }
            }
            req.extensions_mut().insert(SignedInAs {
                email: account.email.clone(),
                role: account.principal.role(),
            });
            return Ok(PersonSession {
                principal: account.principal,
                signed_out: PhantomData,
            });
        }
        let Some(token) = session_token(req) else {
            return Err(S::answer(req));
        };
        let Some(tokens) = req.app_data::<web::Data<Tokens>>() else {
            return Err(S::answer(req));
        };
        let Ok(principal) = tokens.verify(&token) else {
            return Err(S::answer(req));
        };
        if let Principal::Seller(_) = principal {
            match seller_for_token(&state, req, &token).await? {
                None => return Err(S::answer(req)),
                Some(row) if is_provisional(&row) => return Err(S::awaiting(req)),
                Some(_) => {}
            }
        }
        Ok(PersonSession {
            principal,
            signed_out: PhantomData,
        })
    }

    /// The session when the person has one of `roles`; otherwise 403.
    pub fn require(self, roles: &[suyuan_core::tenancy::Role]) -> Result<Self, ApiError> {
        if roles.contains(&self.principal.role()) {
            Ok(self)
        } else {
            Err(ApiError::Forbidden)
        }
    }
}

impl<S: SignedOut + 'static> FromRequest for PersonSession<S> {
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self, actix_web::Error>>;
    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move { Self::of(&req).await })
    }
}

/// A form posted by a signed-in person, checked in this order: its CSRF token (as
/// [`CsrfForm`]), then the session (without one, answered as `S` says).
pub struct PersonForm<S = BackHere> {
    /// Who.
    pub principal: Principal,
    /// The form, field by field.
    pub form: HashMap<String, String>,
    signed_out: PhantomData<fn() -> S>,
}

impl<S: SignedOut + 'static> FromRequest for PersonForm<S> {
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self, actix_web::Error>>;
    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let form = CsrfForm::from_request(req, payload);
        let req = req.clone();
        Box::pin(async move {
            let CsrfForm(form) = form.await?;
            let PersonSession { principal, .. } = PersonSession::<S>::of(&req).await?;
            Ok(PersonForm {
                principal,
                form,
                signed_out: PhantomData,
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    #[test]
    fn the_sign_in_url_carries_the_page_to_come_back_to_encoded() {
        assert_eq!(
            signin_url("/app/receive?code=01/2&lang=en"),
            "/signin?next=%2Fapp%2Freceive%3Fcode%3D01%2F2%26lang%3Den"
        );
    }

    #[test]
    fn a_page_comes_back_with_its_query_and_a_path_without() {
        let req = TestRequest::get()
            .uri("/app/transfers?lang=en")
            .to_http_request();
        let location = |e: actix_web::Error| {
            e.error_response()
                .headers()
                .get(header::LOCATION)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        assert_eq!(
            location(BackHere::answer(&req)).as_deref(),
            Some("/signin?next=%2Fapp%2Ftransfers%3Flang%3Den")
        );
        assert_eq!(
            location(BackToPath::answer(&req)).as_deref(),
            Some("/signin?next=%2Fapp%2Ftransfers")
        );
        assert_eq!(
            Refuse::answer(&req).error_response().status(),
            actix_web::http::StatusCode::UNAUTHORIZED
        );
    }

    #[test]
    fn without_a_token_there_is_no_seller() {
        let req = TestRequest::get()
            .app_data(web::Data::new(Tokens::new(
                b"a-secret-for-tests-only-0123456789",
            )))
            .insert_header((header::AUTHORIZATION, "Bearer not-a-token"))
            .to_http_request();
        assert!(seller_id(&req).is_none());
    }
}
