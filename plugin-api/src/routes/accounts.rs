//! People's accounts (admin only): invitations by e-mail, and revoking a person's sessions.

use actix_web::{HttpResponse, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use suyuan_core::accounts::Email;
use suyuan_core::tenancy::Role;
use suyuan_store::accounts;
use suyuan_web::AppState;
use suyuan_web::auth::AdminAuth;
use suyuan_web::error::ApiError;
use suyuan_web::extract::JsonBody;
use utoipa::ToSchema;

crate::openapi::string_pattern!(
    /// An account id as Suyuan makes them: `acc_` and a ULID (another finds nothing: 404).
    AccountIdParam = r"^acc_[0-9A-HJKMNP-TV-Za-hjkmnp-tv-z]{26}$"
);

/// A person to invite.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InvitationIn {
    /// The person's e-mail address (the account's, compared case-insensitively).
    pub email: String,
    /// `seller`, `supervisor`, `operator` or `admin`.
    #[schema(value_type = Role)]
    pub role: String,
    /// Whom the account signs in as (`sel_…`, `sup_…`, `opr_…`, `adm_…`).
    pub subject: String,
}

/// An account.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct AccountOut {
    /// `acc_…`.
    pub id: String,
    /// The address, lower-cased.
    pub email: String,
    /// The role it signs in with.
    pub role: String,
    /// Whom it signs in as.
    pub subject: String,
    /// Whether a password is set (not until the invitation is accepted).
    pub has_password: bool,
    /// When it was created.
    pub created_at: DateTime<Utc>,
}

impl From<accounts::Account> for AccountOut {
    fn from(a: accounts::Account) -> Self {
        AccountOut {
            id: a.id,
            email: a.email,
            role: a.principal.role().as_str().to_owned(),
            subject: a.principal.subject().to_owned(),
            has_password: a.has_password,
            created_at: a.created_at,
        }
    }
}

/// Sessions revoked.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct RevokedOut {
    /// How many sessions were still open and are now ended.
    pub revoked: u64,
}

/// Invites a person: creates the account and queues the invitation mail (Chinese first, with
/// a single-use link, valid 7 days, that sets the password and signs in). An address that has
/// an account is a 409; an unknown subject a 404.
#[utoipa::path(tag = "admin", request_body = InvitationIn, security(("bearer" = [])), responses((status = 201, body = AccountOut), (status = 404, body = suyuan_web::error::Problem), (status = 409, body = suyuan_web::error::Problem), (status = 422, body = suyuan_web::error::Problem)))]
#[post("/accounts/invitations")]
pub async fn invite(
    _admin: AdminAuth,
    state: web::Data<AppState>,
    body: JsonBody<InvitationIn>,
) -> Result<HttpResponse, ApiError> {
    let input = body.0;
    let email = Email::parse(&input.email)
        .map_err(|e| ApiError::field("email", "invalid_email", e.zh, e.en))?;
    let role: Role = input
        .role
        .parse()
        .map_err(|e: String| ApiError::field("role", "unknown_role", "未知的角色", e))?;
    let principal = accounts::subject_principal(&state.db, role, input.subject.trim())
        .await
        .map_err(|e| match e {
            suyuan_store::StoreError::Invalid(en, zh) => {
                ApiError::field("subject", "invalid_subject", zh, en)
            }
            e => e.into(),
        })?;
    let account =
        accounts::invite(&state.db, &state.secret_key, &email, &principal, Utc::now()).await?;
    tracing::info!(account = %account.id, role = role.as_str(), "account invited");
    Ok(HttpResponse::Created().json(AccountOut::from(account)))
}

/// Ends every session of a person's account at once (their pages ask them to sign in again).
#[utoipa::path(tag = "admin", params(("id" = inline(AccountIdParam), Path, description = "the account id, `acc_…`")), security(("bearer" = [])), responses((status = 200, body = RevokedOut), (status = 404, body = suyuan_web::error::Problem)))]
#[post("/accounts/{id}/sessions/revoke")]
pub async fn revoke_sessions(
    _admin: AdminAuth,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let revoked = accounts::revoke_sessions(&state.db, &id, Utc::now()).await?;
    Ok(HttpResponse::Ok().json(RevokedOut { revoked }))
}
