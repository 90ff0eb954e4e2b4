//! Operators, supervisors and tokens (admin only).

use crate::config::parse_duration;
use actix_web::{HttpResponse, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use suyuan_core::division::Jurisdiction;
use suyuan_core::tenancy::Role;
use suyuan_core::validation::{self, Errors, FieldError};
use suyuan_store::tenants;
use suyuan_web::AppState;
use suyuan_web::auth::{AdminAuth, Tokens};
use suyuan_web::error::ApiError;
use suyuan_web::extract::JsonBody;
use utoipa::ToSchema;

/// A marketplace operator to register.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OperatorIn {
    /// Name of the marketplace business: 1 to 200 characters, not blank, without control
    /// characters.
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    /// Marketplace platform (`shopify`, `woocommerce`, `youzan`, `douyin`, `standard`, or another
    /// slug): 1 to 32 letters, digits, `-` and `_`, kept in lower case; surrounding whitespace
    /// is trimmed.
    #[schema(
        pattern = r"^[\t-\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*[A-Za-z0-9_-]{1,32}[\t-\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*$"
    )]
    pub platform: String,
    /// Contact e-mail.
    pub email: Option<String>,
}

/// A supervisor to register.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SupervisorIn {
    /// Name of the office: 1 to 200 characters, not blank, without control characters.
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    /// Division-code prefix overseen (`44`, `4403`, `440305`).
    pub jurisdiction: String,
    /// E-mail for alerts.
    pub email: Option<String>,
}

/// A registered operator or supervisor.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct TenantOut {
    /// Id (`opr_…` or `sup_…`).
    pub id: String,
    /// Name.
    pub name: String,
    /// Operator's platform.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub platform: Option<String>,
    /// Supervisor's jurisdiction.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub jurisdiction: Option<String>,
}

fn platform_slug(value: &str) -> Result<String, FieldError> {
    let v = value.trim().to_ascii_lowercase();
    if !v.is_empty()
        && v.len() <= 32
        && v.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        Ok(v)
    } else {
        Err(FieldError::new(
            "platform",
            "invalid_platform",
            "平台标识只能包含字母、数字、- 和 _",
            "must be a slug of letters, digits, - and _ (at most 32)",
        ))
    }
}

fn optional_email(errors: &mut Errors, email: Option<&str>) -> Option<String> {
    email.and_then(|e| errors.check(validation::email("email", e)))
}

/// Registers a marketplace operator.
#[utoipa::path(tag = "admin", request_body = OperatorIn, security(("bearer" = [])), responses((status = 201, body = TenantOut), (status = 422, body = suyuan_web::error::Problem)))]
#[post("/operators")]
pub async fn create_operator(
    _admin: AdminAuth,
    state: web::Data<AppState>,
    body: JsonBody<OperatorIn>,
) -> Result<HttpResponse, ApiError> {
    let mut errors = Errors::default();
    let name = errors.check(validation::bounded_text("name", &body.0.name, 200));
    let platform = errors.check(platform_slug(&body.0.platform));
    let email = optional_email(&mut errors, body.0.email.as_deref());
    errors.finish().map_err(super::field_errors)?;
    let (Some(name), Some(platform)) = (name, platform) else {
        return Err(ApiError::Forbidden);
    };
    let op = tenants::create_operator(&state.db, name, platform, email).await?;
    Ok(HttpResponse::Created().json(TenantOut {
        id: op.id,
        name: op.name,
        platform: Some(op.platform),
        jurisdiction: None,
    }))
}

/// Registers a supervisor with a jurisdiction.
#[utoipa::path(tag = "admin", request_body = SupervisorIn, security(("bearer" = [])), responses((status = 201, body = TenantOut), (status = 422, body = suyuan_web::error::Problem)))]
#[post("/supervisors")]
pub async fn create_supervisor(
    _admin: AdminAuth,
    state: web::Data<AppState>,
    body: JsonBody<SupervisorIn>,
) -> Result<HttpResponse, ApiError> {
    let mut errors = Errors::default();
    let name = errors.check(validation::bounded_text("name", &body.0.name, 200));
    let jurisdiction = errors.check(
        Jurisdiction::parse(&body.0.jurisdiction)
            .map_err(|e| FieldError::new("jurisdiction", e.code(), e.message_zh(), e.to_string())),
    );
    let email = optional_email(&mut errors, body.0.email.as_deref());
    errors.finish().map_err(super::field_errors)?;
    let (Some(name), Some(jurisdiction)) = (name, jurisdiction) else {
        return Err(ApiError::Forbidden);
    };
    let sup = tenants::create_supervisor(&state.db, name, email, &jurisdiction).await?;
    Ok(HttpResponse::Created().json(TenantOut {
        id: sup.id,
        name: sup.name,
        platform: None,
        jurisdiction: Some(sup.jurisdiction),
    }))
}

/// A token to mint.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenIn {
    /// `seller`, `operator`, `supervisor` or `admin`.
    #[schema(value_type = Role)]
    pub role: String,
    /// The id the token speaks for (`sel_…`, `opr_…`, `sup_…`, `adm_…`).
    pub subject: String,
    /// For supervisors: the division-code prefix.
    pub jurisdiction: Option<String>,
    /// Lifetime such as `30d` or `12h` (default 30 days).
    pub ttl: Option<String>,
}

/// A minted token.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct TokenOut {
    /// The bearer token.
    pub token: String,
    /// When it expires.
    pub expires_at: DateTime<Utc>,
}

/// Mints a bearer token (admin only).
#[utoipa::path(tag = "admin", request_body = TokenIn, security(("bearer" = [])), responses((status = 201, body = TokenOut), (status = 422, body = suyuan_web::error::Problem)))]
#[post("/tokens")]
pub async fn mint_token(
    _admin: AdminAuth,
    tokens: web::Data<Tokens>,
    body: JsonBody<TokenIn>,
) -> Result<HttpResponse, ApiError> {
    let input = body.0;
    let role: Role = input
        .role
        .parse()
        .map_err(|e: String| ApiError::field("role", "unknown_role", "未知的角色", e))?;
    let ttl = match input.ttl.as_deref() {
        Some(t) => parse_duration(t).map_err(|e| {
            ApiError::field(
                "ttl",
                "invalid_duration",
                "有效期格式不正确，例如 30d、12h",
                e,
            )
        })?,
        None => std::time::Duration::from_secs(30 * 24 * 3600),
    };
    let token = tokens
        .mint(role, &input.subject, input.jurisdiction.as_deref(), ttl)
        .map_err(|e| match e {
            suyuan_web::auth::MintError::Subject(m) => {
                ApiError::field("subject", "invalid_subject", "编号与角色不符", m)
            }
            suyuan_web::auth::MintError::Jurisdiction(m) => {
                ApiError::field("jurisdiction", "invalid_jurisdiction", "辖区设置有误", m)
            }
            suyuan_web::auth::MintError::Ttl(m) => {
                ApiError::field("ttl", "too_long", "有效期过长，最长 3660 天", m)
            }
            suyuan_web::auth::MintError::Signing(e) => ApiError::Unexpected(e.into()),
        })?;
    let expires_at = chrono::Duration::from_std(ttl)
        .ok()
        .and_then(|d| Utc::now().checked_add_signed(d))
        .ok_or_else(|| ApiError::field("ttl", "too_long", "有效期过长", "is too long"))?;
    Ok(HttpResponse::Created().json(TokenOut { token, expires_at }))
}
